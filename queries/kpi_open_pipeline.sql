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
    select
        period_start,
        (max(day_at) + interval 1 day)::date as snapshot_date,
        row_number() over (order by period_start) - 1 as bucket_number,
    from day_buckets
    group by period_start
),
deals as (
    -- A deal is open at a bucket's end when it was created in that bucket or an earlier one and closed in
    -- a later one (or after the period, or not yet). So deals are counted by the number of the bucket
    -- they were created in (the first, if before the period) and of the one they closed in, a few dozen
    -- pairs, instead of each deal being compared with every snapshot; numbering a day's bucket costs a
    -- deal less than truncating its dates. deal_facts (schema 7) carries each deal's lead's dimensions.
    select
        case $grain
            when 'week' then
                (greatest(created_date, $start::date) - date_trunc('week', $start::date)::date) // 7
            when 'month' then 12 * (year(greatest(created_date, $start::date)) - year($start::date))
                + month(greatest(created_date, $start::date)) - month($start::date)
            else 0
        end as created_bucket_number,
        case
            when closed_date is null or closed_date >= $end::date then null
            when $grain = 'week' then
                (greatest(closed_date, $start::date) - date_trunc('week', $start::date)::date) // 7
            when $grain = 'month' then 12 * (year(greatest(closed_date, $start::date)) - year($start::date))
                + month(greatest(closed_date, $start::date)) - month($start::date)
            else 0
        end as closed_bucket_number,
        count(*) as opportunity_count,
        sum(amount_eur) as amount_eur,
    from deal_facts
    -- only deals open on some day of the period can be open at a bucket's end
    where created_date < $end::date
        and (closed_date is null or closed_date > $start::date)
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or coalesce(source, '') = $source)
    group by all
),
final as (
    select
        s.period_start,
        s.snapshot_date,
        coalesce(sum(d.opportunity_count), 0)::bigint as open_opportunity_count,
        coalesce(sum(d.amount_eur), 0)::double as open_pipeline_eur,
    from snapshots s
    left join deals d
        on d.created_bucket_number <= s.bucket_number
        and (d.closed_bucket_number is null or d.closed_bucket_number > s.bucket_number)
    group by s.period_start, s.snapshot_date
)
select * from final
order by period_start
