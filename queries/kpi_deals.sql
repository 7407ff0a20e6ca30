-- one row: the deals closed in the period (won or lost): win rate, average deal size and sales cycle
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all; deals with no lead
-- count only when all are null)
-- A deal closed without saying whether it was won counts as neither. A won deal without an amount is left out of
-- the average size, and one closed before it was created (a data error) out of the cycle; both are counted.
with
closed as (
    -- deal_facts (schema 7) carries each deal's lead's dimensions, rebuilt with every write
    select
        d.is_won,
        d.amount_eur,
        d.closed_date - d.created_date as cycle_days,
    from deal_facts d
    where d.closed_date >= $start::date
        and d.closed_date < $end::date
        and ($segment is null or d.segment = $segment)
        and ($region is null or d.region = $region)
        and ($source is null or coalesce(d.source, '') = $source)
        and (d.lead_id is not null or ($segment is null and $region is null and $source is null))
)
select
    count(case when is_won then 1 end) as won_deal_count,
    count(case when is_won = false then 1 end) as lost_deal_count,
    -- with no lost deal anywhere in the warehouse (an export of won deals alone), every period would read 100%
    case when exists (select 1 from deal_facts where is_won = false)
        then count(case when is_won then 1 end) / nullif(count(is_won), 0) end as win_rate,
    coalesce(sum(case when is_won then amount_eur end), 0)::double as won_amount_eur,
    count(case when is_won and amount_eur is null then 1 end) as unpriced_won_count,
    avg(case when is_won then amount_eur end)::double as avg_deal_size_eur,
    count(case when is_won and cycle_days < 0 then 1 end) as backdated_won_count,
    median(case when is_won and cycle_days >= 0 then cycle_days end)::double as sales_cycle_days,
from closed
