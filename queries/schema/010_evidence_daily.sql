-- Schema version 10: evidence_daily, the Evidence page's strata as a daily rollup, kept like those of schema 7
-- (a view, evidence_daily_live, stored as a table rebuilt by every write). At ten million leads the page
-- grouped a year of MQLs, 2.3 million, on every visit; the overview now shows its headline from the same rows.

-- One row per MQL day (the organisation's local day), the dimensions pages filter or group by, score band
-- and how sales worked the MQLs: on time (first touched within the SLA in force, or within HubSpot's 24 hours
-- where none was agreed), late or never. Counts, wins, the revenue of those won and score sums.
create view evidence_daily_live as
with
lead_revenue as (
    select o.lead_id, sum(r.amount_eur)::double as revenue_eur
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    where o.lead_id is not null
    group by o.lead_id
)
select
    local_date(f.mql_at) as mql_date,
    f.segment,
    f.region,
    f.source,
    coalesce(f.campaign_id::varchar, 'none') as campaign,
    f.score_band,
    case
        when f.first_touch_hours is null then 'never'
        when f.first_touch_hours <= coalesce(f.first_touch_sla_hours, 24) then 'on_time'
        else 'late'
    end as worked,
    count(*) as mql_count,
    count(case when f.is_won then 1 end) as won_count,
    coalesce(sum(case when f.is_won then r.revenue_eur end), 0) as won_revenue_eur,
    count(case when f.is_won then r.revenue_eur end) as won_with_revenue_count,
    count(f.lead_score) as scored_count,
    coalesce(sum(f.lead_score), 0)::double as score_sum,
    coalesce(sum(f.lead_score * f.lead_score), 0)::double as score_square_sum,
from lead_facts f
left join lead_revenue r on r.lead_id = f.lead_id
where f.mql_at is not null
group by all;

create table evidence_daily as select * from evidence_daily_live order by mql_date;
