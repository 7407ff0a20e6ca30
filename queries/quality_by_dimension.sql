-- one row per source, campaign or lead-score band of the period's MQLs ($dimension chooses; 'total' gives
-- one row for them all): how many sales accepted, won and left untouched so far, and the revenue they brought
-- parameters: $start, $end (dates, end exclusive), $dimension ('source', 'campaign', 'score_band' or 'total'),
-- $segment, $region, $source (null = all)
with
banded as (
    -- the period's MQLs, from the daily rollup (schema 7)
    select d.*
    from mql_daily d
    where d.mql_date >= $start::date
        and d.mql_date < $end::date
        and ($segment is null or d.segment = $segment)
        and ($region is null or d.region = $region)
        and ($source is null or coalesce(d.source, '') = $source)
),
cohort as (
    select
        b.*,
        case $dimension
            when 'source' then coalesce(b.source, '(no source)')
            when 'campaign' then coalesce(b.campaign_id::varchar, 'none')
            when 'score_band' then b.score_band
            else 'all'
        end as group_key,
        case $dimension
            when 'source' then coalesce(b.source, '(no source)')
            when 'campaign' then case
                when b.campaign_id is null then 'No campaign'
                else coalesce(c.campaign_name, 'Campaign ' || b.campaign_id::varchar)
            end
            when 'score_band' then case when b.score_band = 'no score' then 'No score' else b.score_band end
            else 'All MQLs'
        end as group_label,
        case when $dimension = 'score_band' then b.score_band_order else 0 end as band_order,
    from banded b
    left join campaigns c on c.campaign_id = b.campaign_id
),
grouped as (
    -- a lead's revenue is every booking of its opportunities, whenever booked
    select
        group_key,
        group_label,
        band_order,
        sum(mql_count)::bigint as mql_count,
        sum(accepted_count)::bigint as accepted_count,
        sum(rejected_count)::bigint as rejected_count,
        sum(won_count)::bigint as won_count,
        sum(revenue_eur)::double as cohort_revenue_eur,
        sum(untouched_count)::bigint as untouched_count,
    from cohort
    group by group_key, group_label, band_order
),
final as (
    select
        group_key,
        -- two campaigns of the same name stay apart
        case when count(*) over (partition by group_label) > 1 then group_label || ' (' || group_key || ')'
            else group_label end as group_label,
        mql_count,
        accepted_count,
        rejected_count,
        -- as in kpi_mql_cohort: no share where the warehouse records no decision, or no win and no deal
        case when (select sal_record_count from stage_evidence) > 0
            then accepted_count / nullif(accepted_count + rejected_count, 0) end as accepted_rate,
        won_count,
        case when (select outcome_record_count from stage_evidence) > 0 then won_count / mql_count end as win_rate,
        cohort_revenue_eur,
        cohort_revenue_eur / mql_count as revenue_per_mql_eur,
        untouched_count,
        untouched_count / mql_count as untouched_rate,
        row_number() over (order by band_order, mql_count desc, group_label) as group_order,
    from grouped
)
select * from final
order by group_order
