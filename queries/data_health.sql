-- one row: how complete the leads created in the period are, each check as a count, its total and a share
-- parameters: $start, $end (dates, end exclusive: the organisation's days); the whole organisation, whatever
-- the sidebar's segment, region or source
with
checks as (
    -- the daily rollup (schema 7): a blank source is one of its source values, so it is told apart here
    select
        coalesce(sum(lead_count), 0)::bigint as lead_count,
        coalesce(sum(case when nullif(trim(source), '') is not null then lead_count end), 0)::bigint
            as with_source_count,
        coalesce(sum(mql_count), 0)::bigint as mql_count,
        coalesce(sum(mql_with_owner_count), 0)::bigint as with_owner_count,
        coalesce(sum(mql_with_first_touch_count), 0)::bigint as with_first_touch_count,
        coalesce(sum(mql_with_disposition_count), 0)::bigint as with_disposition_count,
        coalesce(sum(won_count), 0)::bigint as won_count,
        coalesce(sum(won_with_revenue_count), 0)::bigint as won_with_revenue_count,
        -- MQLs with a score and an agreed threshold, and those of them the CRM handed over below it
        coalesce(sum(threshold_judged_count), 0)::bigint as threshold_judged_count,
        coalesce(sum(below_threshold_count), 0)::bigint as below_threshold_count,
    from created_daily
    where created_date >= $start::date
        and created_date < $end::date
),
final as (
    select
        lead_count,
        with_source_count,
        with_source_count / nullif(lead_count, 0) as lead_source_rate,
        mql_count,
        with_owner_count,
        with_owner_count / nullif(mql_count, 0) as mql_owner_rate,
        with_first_touch_count,
        with_first_touch_count / nullif(mql_count, 0) as mql_first_touch_rate,
        with_disposition_count,
        with_disposition_count / nullif(mql_count, 0) as mql_disposition_rate,
        won_count,
        won_with_revenue_count,
        won_with_revenue_count / nullif(won_count, 0) as won_revenue_link_rate,
        threshold_judged_count,
        below_threshold_count,
        below_threshold_count / nullif(threshold_judged_count, 0) as below_threshold_rate,
    from checks
)
select * from final
