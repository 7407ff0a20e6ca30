-- one row per period bucket: revenue booked, where it came from, and the shared revenue target
-- parameters: $start, $end (dates, end exclusive), $grain ('total', 'week' or 'month'),
-- $segment, $region, $source (null = all; revenue that traces to no lead only counts when all are null)
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
        sum(g.monthly_revenue_target_eur / extract(day from last_day(b.day_at))) as revenue_target_eur,
        count(g.monthly_revenue_target_eur) = count(*) as has_target_every_day,
    from day_buckets b
    left join targets_in_force($region, $segment, $source) g
        on b.day_at >= g.effective_date
        and (g.next_effective_date is null or b.day_at < g.next_effective_date)
    group by b.period_start
),
bookings as (
    -- the daily rollup (schema 7), already carrying each booking's lead's dimensions
    select
        case $grain when 'week' then date_trunc('week', d.booked_date::timestamp) when 'month' then date_trunc('month', d.booked_date::timestamp) else $start::timestamp end
            as period_start,
        d.revenue_eur,
        d.sourced_by,
    from revenue_daily d
    where d.booked_date >= $start::date
        and d.booked_date < $end::date
        and ($segment is null or d.segment = $segment)
        and ($region is null or d.region = $region)
        and ($source is null or coalesce(d.source, '') = $source)
),
by_period as (
    select
        period_start,
        sum(revenue_eur) as revenue_eur,
        sum(case when sourced_by = 'marketing' then revenue_eur else 0 end) as marketing_sourced_revenue_eur,
        sum(case when sourced_by = 'sales' then revenue_eur else 0 end) as sales_sourced_revenue_eur,
        sum(case when sourced_by is null then revenue_eur else 0 end) as untraced_revenue_eur,
    from bookings
    group by period_start
),
final as (
    select
        t.period_start,
        coalesce(p.revenue_eur, 0)::double as revenue_eur,
        case when t.has_target_every_day then round(t.revenue_target_eur, 2)::double end as revenue_target_eur,
        coalesce(p.marketing_sourced_revenue_eur, 0)::double as marketing_sourced_revenue_eur,
        coalesce(p.sales_sourced_revenue_eur, 0)::double as sales_sourced_revenue_eur,
        coalesce(p.untraced_revenue_eur, 0)::double as untraced_revenue_eur,
        (p.marketing_sourced_revenue_eur / nullif(p.revenue_eur, 0))::double as marketing_sourced_revenue_share,
        -- the share of revenue whose deal traces back to a lead (and so to a source and campaign)
        ((p.revenue_eur - p.untraced_revenue_eur) / nullif(p.revenue_eur, 0))::double as traced_revenue_rate,
    from targets t
    left join by_period p on p.period_start = t.period_start
)
select * from final
order by period_start
