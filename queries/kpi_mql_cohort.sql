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
    -- the period's MQLs, from the daily rollup (schema 7); its days are the organisation's days
    select
        d.*,
        case $grain
            when 'week' then date_trunc('week', d.mql_date)
            when 'month' then date_trunc('month', d.mql_date)
            else $start::date
        end::timestamp as period_start,
    from mql_daily d
    where d.mql_date >= $start::date
        and d.mql_date < $end::date
        and ($segment is null or d.segment = $segment)
        and ($region is null or d.region = $region)
        and ($source is null or coalesce(d.source, '') = $source)
),
pending as (
    -- the SLA judgement every page uses: an untouched lead is breached once its deadline has passed, and
    -- pending until then; only leads whose deadline is still ahead are read, a day or two of them
    select
        case $grain
            when 'week' then date_trunc('week', local_date(f.mql_at))
            when 'month' then date_trunc('month', local_date(f.mql_at))
            else $start::date
        end::timestamp as period_start,
        count(*) as sla_pending_count,
    from lead_facts f
    where f.sla_deadline_at >= $now::timestamp
        and f.first_touch_at is null
        and f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
    group by all
),
counted as (
    select
        period_start,
        sum(mql_count) as mql_count,
        sum(within_sla_count) as within_sla_count,
        sum(touched_late_count + untouched_with_sla_count) as late_or_untouched_count,
        sum(no_sla_count) as no_sla_count,
        sum(accepted_count) as accepted_count,
        sum(rejected_count) as rejected_count,
        sum(won_count) as won_count,
    from cohort
    group by period_start
),
by_period as (
    select
        c.period_start,
        c.mql_count::bigint as mql_count,
        c.within_sla_count::bigint as within_sla_count,
        (c.late_or_untouched_count - coalesce(p.sla_pending_count, 0))::bigint as breached_sla_count,
        coalesce(p.sla_pending_count, 0)::bigint as sla_pending_count,
        c.no_sla_count::bigint as no_sla_count,
        c.accepted_count::bigint as accepted_count,
        c.rejected_count::bigint as rejected_count,
        c.won_count::bigint as won_count,
    from counted c
    left join pending p on p.period_start = c.period_start
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
        -- a share the warehouse cannot measure is no share: without any decision recorded, every lead that got
        -- further would count as accepted (100%); without any deal or lead recorded as won, 0% won
        case when e.sal_record_count > 0
            then p.accepted_count / nullif(p.accepted_count + p.rejected_count, 0) end as acceptance_rate,
        coalesce(p.won_count, 0) as won_count,
        case when e.outcome_record_count > 0 then p.won_count / nullif(p.mql_count, 0) end as mql_to_won_rate,
    from targets t
    left join by_period p on p.period_start = t.period_start
    cross join stage_evidence e
)
select * from final
order by period_start
