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
    select f.lead_id, f.first_touch_hours
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or f.source = $source)
),
final as (
    select
        b.band_order,
        b.band_label,
        b.lower_hours,
        b.upper_hours,
        count(w.lead_id) as mql_count,
        count(w.lead_id) / nullif((select count(*) from waits), 0) as mql_share_rate,
    from bands b
    left join waits w
        on case
            when b.band_order = 7 then w.first_touch_hours is null
            else w.first_touch_hours is not null
                and (b.lower_hours is null or w.first_touch_hours > b.lower_hours)
                and (b.upper_hours is null or w.first_touch_hours <= b.upper_hours)
        end
    group by b.band_order, b.band_label, b.lower_hours, b.upper_hours
)
select * from final
order by band_order
