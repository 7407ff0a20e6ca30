-- The raw computation of queries/kpi_mql_cohort.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per period bucket (the whole period when $grain = 'total', else each week or month it
-- touches): the MQLs that arrived in it and what became of them so far
-- parameters: $start, $end (dates, end exclusive), $grain ('total', 'week' or 'month'),
-- $segment, $region, $source (null = all), $now (timestamp: a lead whose SLA clock still runs is not judged)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
day_buckets as (
    select
        day_at,
        case $grain when 'week' then date_trunc('week', day_at) when 'month' then date_trunc('month', day_at) else $start::timestamp end as period_start,
    from (select unnest(range($start::timestamp, $end::timestamp, interval 1 day)) as day_at)
),
targets as (
    -- each day carries its month's target, spread evenly, from the agreement in force that day: the whole
    -- organisation's, or under a region and/or segment filter the one agreed for exactly that region and segment
    -- (schema 13); no target is agreed per source
    select
        b.period_start,
        sum(g.monthly_mql_target / extract(day from last_day(b.day_at))) as mql_target,
        count(g.monthly_mql_target) = count(*) as has_target_every_day,
    from day_buckets b
    left join targets_in_force($region, $segment, $source) g
        on b.day_at >= g.effective_date
        and (g.next_effective_date is null or b.day_at < g.next_effective_date)
    group by b.period_start
),
cohort as (
    select
        f.*,
        case $grain
            when 'week' then date_trunc('week', local_date(f.mql_at))::timestamp
            when 'month' then date_trunc('month', local_date(f.mql_at))::timestamp
            else $start::timestamp
        end as period_start,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
judged as (
    select
        c.*,
        -- the SLA judgement every page uses: an untouched lead is breached once its deadline has passed
        case
            when c.first_touch_sla_hours is null then 'no_sla'
            when c.is_touched_within_sla then 'within'
            when c.first_touch_at is not null or $now::timestamp > c.sla_deadline_at then 'breached'
            else 'pending'
        end as sla_status,
    from cohort c
),
by_period as (
    select
        period_start,
        count(*) as mql_count,
        count(case when sla_status = 'within' then 1 end) as within_sla_count,
        count(case when sla_status = 'breached' then 1 end) as breached_sla_count,
        count(case when sla_status = 'pending' then 1 end) as sla_pending_count,
        count(case when sla_status = 'no_sla' then 1 end) as no_sla_count,
        count(accepted_at) as accepted_count,
        count(case when accepted_at is null and rejected_at is not null then 1 end) as rejected_count,
        count(case when is_won then 1 end) as won_count,
    from judged
    group by period_start
),
final as (
    select
        t.period_start,
        coalesce(p.mql_count, 0) as mql_count,
        -- the target agreed for these filters (the organisation's, a region's or a segment's) on every day
        case when t.has_target_every_day then round(t.mql_target)::integer end as mql_target,
        coalesce(p.within_sla_count, 0) as within_sla_count,
        coalesce(p.breached_sla_count, 0) as breached_sla_count,
        coalesce(p.sla_pending_count, 0) as sla_pending_count,
        coalesce(p.no_sla_count, 0) as no_sla_count,
        p.within_sla_count / nullif(p.within_sla_count + p.breached_sla_count, 0) as sla_compliance_rate,
        coalesce(p.accepted_count, 0) as accepted_count,
        coalesce(p.rejected_count, 0) as rejected_count,
        p.accepted_count / nullif(p.accepted_count + p.rejected_count, 0) as acceptance_rate,
        coalesce(p.won_count, 0) as won_count,
        p.won_count / nullif(p.mql_count, 0) as mql_to_won_rate,
    from targets t
    left join by_period p on p.period_start = t.period_start
)
select * from final
order by period_start
