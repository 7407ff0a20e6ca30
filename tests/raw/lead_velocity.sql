-- The raw computation of queries/lead_velocity.sql from the base tables, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per calendar month the period touches: its MQLs, the month before's, and the lead velocity rate
-- parameters: $start, $end (dates, end exclusive: whole months are counted, even where the period
-- cuts one), $segment, $region, $source (null = all), $now (timestamp: a month not over yet gets no rate)
with
months as (
    select unnest(range(date_trunc('month', $start::date)::timestamp, $end::timestamp, interval 1 month))
        as month_start
),
mqls as (
    -- months of the organisation's local days (they were UTC months before schema 7)
    select date_trunc('month', local_date(l.mql_at))::timestamp as month_start, count(*) as mql_count
    from leads l
    where local_date(l.mql_at) >= (select min(month_start) from months) - interval 1 month
        and local_date(l.mql_at) < (select max(month_start) from months) + interval 1 month
        and ($segment is null or l.segment = $segment)
        and ($region is null or l.region = $region)
        and ($source is null or coalesce(l.source, '') = $source)
    group by all
),
day_rules as (
    -- the MQL threshold in force each day, from the month before the first to the end of the last
    select d.day_at, a.mql_score_threshold
    from (
        select unnest(range(
            (select min(month_start) from months) - interval 1 month,
            (select max(month_start) from months) + interval 1 month,
            interval 1 day
        )) as day_at
    ) d
    left join agreement_periods a
        on d.day_at >= a.effective_date
        and (a.next_effective_date is null or d.day_at < a.next_effective_date)
),
rules as (
    -- a comparison is like for like only when one threshold held on every day of both months
    select
        m.month_start,
        count(distinct coalesce(r.mql_score_threshold, -1)) > 1 as is_mql_threshold_changed,
        max(case when r.day_at = m.month_start + interval 1 month - interval 1 day then r.mql_score_threshold end)
            as mql_score_threshold,
        max(case when r.day_at = m.month_start - interval 1 day then r.mql_score_threshold end)
            as previous_mql_score_threshold,
    from months m
    join day_rules r
        on r.day_at >= m.month_start - interval 1 month
        and r.day_at < m.month_start + interval 1 month
    group by m.month_start
),
final as (
    select
        m.month_start::date as month_start_date,
        coalesce(c.mql_count, 0) as month_mql_count,
        coalesce(p.mql_count, 0) as previous_month_mql_count,
        m.month_start + interval 1 month <= $now::timestamp as is_complete_month,
        case when m.month_start + interval 1 month <= $now::timestamp
            then ((coalesce(c.mql_count, 0) - p.mql_count) / nullif(p.mql_count, 0))::double
        end as lead_velocity_rate,
        r.mql_score_threshold,
        r.previous_mql_score_threshold,
        r.is_mql_threshold_changed,
    from months m
    left join mqls c on c.month_start = m.month_start
    left join mqls p on p.month_start = m.month_start - interval 1 month
    left join rules r on r.month_start = m.month_start
)
select * from final
order by month_start_date
