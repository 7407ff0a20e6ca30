-- one row: the open pipeline at the period's end against the revenue target of the 90 days after it
-- parameters: $end (date, exclusive: the pipeline snapshot is taken as it begins), $open_pipeline_eur
-- (kpi_open_pipeline's value for the same period and filters, so open pipeline is computed in one place),
-- $segment, $region, $source (null = all: the target is the one agreed for that region and/or segment,
-- none under a source filter, as in kpi_revenue)
with
in_force as (
    -- the agreement in force on the period's last day sets the target for the whole horizon: the whole
    -- organisation's, or the one it holds for exactly the filtered region and segment (schema 13)
    select g.effective_date, g.monthly_revenue_target_eur
    from targets_in_force($region, $segment, $source) g
    where g.effective_date <= $end::date - 1
        and (g.next_effective_date is null or $end::date - 1 < g.next_effective_date)
),
horizon as (
    select unnest(range($end::timestamp, $end::timestamp + interval 90 day, interval 1 day)) as day_at
),
target as (
    -- each day carries its month's target, spread evenly over the month's days
    select
        sum(a.monthly_revenue_target_eur / extract(day from last_day(h.day_at))) as revenue_target_eur,
        count(a.monthly_revenue_target_eur) = count(*) as has_target_every_day,
    from horizon h
    cross join in_force a
),
final as (
    select
        $end::date as snapshot_date,
        ($end::date + 89) as horizon_last_date,
        (select effective_date from in_force) as agreement_effective_date,
        case when t.has_target_every_day then round(t.revenue_target_eur, 2)::double end
            as next_90_days_revenue_target_eur,
        case when t.has_target_every_day
            then ($open_pipeline_eur / nullif(t.revenue_target_eur, 0))::double end as pipeline_coverage_ratio,
    from target t
)
select * from final
