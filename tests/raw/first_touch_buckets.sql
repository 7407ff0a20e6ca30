-- The raw computation of queries/first_touch_buckets.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per band of hours to first touch (seven bands, always all of them, the last for MQLs never touched):
-- how many of the period's MQLs waited that long for sales
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
bands as (
    -- each band holds waits above lower_hours up to and including upper_hours, as the SLA check does
    select * from (values
        (1, 'up to 1 h', null, 1.0),
        (2, '1–4 h', 1.0, 4.0),
        (3, '4–24 h', 4.0, 24.0),
        (4, '1–3 days', 24.0, 72.0),
        (5, '3–7 days', 72.0, 168.0),
        (6, 'over 7 days', 168.0, null),
        (7, 'never touched', null, null)
    ) t(band_order, band_label, lower_hours, upper_hours)
),
waits as (
    -- each MQL's band, by the bounds of bands above; a CASE, not a join on the bounds, which would test
    -- every MQL against every band
    select
        case
            when f.first_touch_hours is null then 7
            when f.first_touch_hours <= 1 then 1
            when f.first_touch_hours <= 4 then 2
            when f.first_touch_hours <= 24 then 3
            when f.first_touch_hours <= 72 then 4
            when f.first_touch_hours <= 168 then 5
            else 6
        end as band_order,
        count(*) as mql_count,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
    group by band_order
),
final as (
    select
        b.band_order,
        b.band_label,
        b.lower_hours,
        b.upper_hours,
        coalesce(w.mql_count, 0) as mql_count,
        coalesce(w.mql_count, 0) / nullif((select sum(mql_count) from waits), 0) as mql_share_rate,
    from bands b
    left join waits w on w.band_order = b.band_order
)
select * from final
order by band_order
