-- one row per band of hours to first touch (seven bands, always all of them, the last for MQLs never touched):
-- how many of the period's MQLs waited that long for sales
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all)
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
    -- the daily rollup (schema 7), whose band_order follows the bounds above
    select
        band_order,
        sum(mql_count)::bigint as mql_count,
    from first_touch_daily
    where mql_date >= $start::date
        and mql_date < $end::date
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or coalesce(source, '') = $source)
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
