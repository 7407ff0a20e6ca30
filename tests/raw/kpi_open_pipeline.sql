-- The raw computation of queries/kpi_open_pipeline.sql from the base tables, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per period bucket: the opportunities open at the bucket's end and their value
-- parameters: $start, $end (dates, end exclusive), $grain ('total', 'week' or 'month'),
-- $segment, $region, $source (null = all; deals with no lead only count when all are null)
with
day_buckets as (
    select
        day_at,
        case $grain when 'week' then date_trunc('week', day_at) when 'month' then date_trunc('month', day_at) else $start::timestamp end as period_start,
    from (select unnest(range($start::timestamp, $end::timestamp, interval 1 day)) as day_at)
),
snapshots as (
    -- open "at the end of the bucket": created before that day, not closed before it
    select period_start, (max(day_at) + interval 1 day)::date as snapshot_date
    from day_buckets
    group by period_start
),
deals as (
    select o.opportunity_id, o.created_date, o.closed_date, o.amount_eur
    from opportunities o
    left join leads l on l.lead_id = o.lead_id
    -- only deals open on some day of the period can be open at a bucket's end
    where o.created_date < $end::date
        and (o.closed_date is null or o.closed_date > $start::date)
        and ($segment is null or l.segment = $segment)
        and ($region is null or l.region = $region)
        and ($source is null or coalesce(l.source, '') = $source)
),
final as (
    select
        s.period_start,
        s.snapshot_date,
        count(d.opportunity_id) as open_opportunity_count,
        coalesce(sum(d.amount_eur), 0)::double as open_pipeline_eur,
    from snapshots s
    left join deals d
        on d.created_date < s.snapshot_date
        and (d.closed_date is null or d.closed_date >= s.snapshot_date)
    group by s.period_start, s.snapshot_date
)
select * from final
order by period_start
