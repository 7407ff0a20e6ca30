-- The raw computation of queries/data_health.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row: how complete the leads created in the period are, each check as a count, its total and a share
-- parameters: $start_at, $end_at (the period's first and last-plus-one day's midnight in the organisation's
-- time zone, as UTC timestamps); the whole organisation, whatever the sidebar's segment, region or source
with
period_leads as (
    select
        f.lead_id,
        f.owner_rep_id,
        f.source,
        f.mql_at,
        f.first_touch_at,
        f.accepted_at,
        f.rejected_at,
        -- a won deal, or an export that says won without the deal behind it
        f.is_won or f.status = 'won' as is_won,
        f.is_below_threshold,
    from lead_facts f
    where f.created_at >= $start_at
        and f.created_at < $end_at
),
booked_leads as (
    select distinct o.lead_id
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    where o.lead_id is not null
),
checks as (
    select
        count(*) as lead_count,
        -- an inquiry waits for marketing, so only an MQL, handed to sales, needs an owner
        count(case when l.mql_at is not null and l.owner_rep_id is not null then 1 end) as with_owner_count,
        count(case when nullif(trim(l.source), '') is not null then 1 end) as with_source_count,
        count(l.mql_at) as mql_count,
        count(case when l.mql_at is not null and l.first_touch_at is not null then 1 end) as with_first_touch_count,
        count(case when l.mql_at is not null and (l.accepted_at is not null or l.rejected_at is not null) then 1 end)
            as with_disposition_count,
        count(case when l.is_won then 1 end) as won_count,
        count(case when l.is_won and b.lead_id is not null then 1 end) as won_with_revenue_count,
        count(case when l.mql_at is not null and l.is_below_threshold is not null then 1 end) as threshold_judged_count,
        count(case when l.mql_at is not null and l.is_below_threshold then 1 end) as below_threshold_count,
    from period_leads l
    left join booked_leads b on b.lead_id = l.lead_id
),
final as (
    select
        lead_count,
        with_source_count,
        with_source_count / nullif(lead_count, 0) as lead_source_rate,
        mql_count,
        with_owner_count,
        with_owner_count / nullif(mql_count, 0) as mql_owner_rate,
        with_first_touch_count,
        with_first_touch_count / nullif(mql_count, 0) as mql_first_touch_rate,
        with_disposition_count,
        with_disposition_count / nullif(mql_count, 0) as mql_disposition_rate,
        won_count,
        won_with_revenue_count,
        won_with_revenue_count / nullif(won_count, 0) as won_revenue_link_rate,
        threshold_judged_count,
        below_threshold_count,
        below_threshold_count / nullif(threshold_judged_count, 0) as below_threshold_rate,
    from checks
)
select * from final
