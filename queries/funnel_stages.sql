-- one row per waterfall stage: of the period's arriving leads, how many reached the stage, moved on,
-- are still open there, or were dropped there (rejected, disqualified, lost)
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
with
cohort as (
    -- the daily rollup (schema 7): one row per day, dimensions and how far the leads got
    select stage_rank, stage_outcome, sum(lead_count) as lead_count
    from created_daily
    where created_date >= $start::date
        and created_date < $end::date
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or source = $source)
    group by stage_rank, stage_outcome
),
stages as (
    select * from (values
        (1, 'Inquiry'), (2, 'MQL'), (3, 'SAL'), (4, 'SQL'), (5, 'Opportunity'), (6, 'Won')
    ) t(stage_rank, stage)
),
final as (
    select
        s.stage_rank,
        s.stage,
        coalesce(sum(c.lead_count), 0)::bigint as reached_count,
        coalesce(sum(case when c.stage_rank > s.stage_rank then c.lead_count end), 0)::bigint as moved_on_count,
        coalesce(sum(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'open' then c.lead_count end), 0)::bigint
            as open_count,
        coalesce(sum(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'dropped' then c.lead_count end), 0)::bigint
            as dropped_count,
        coalesce(sum(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'won' then c.lead_count end), 0)::bigint
            as won_count,
    from stages s
    left join cohort c on c.stage_rank >= s.stage_rank
    group by s.stage_rank, s.stage
)
select * from final
order by stage_rank
