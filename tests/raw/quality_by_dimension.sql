-- The raw computation of queries/quality_by_dimension.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per source, campaign or lead-score band of the period's MQLs ($dimension chooses; 'total' gives
-- one row for them all): how many sales accepted, won and left untouched so far, and the revenue they brought
-- parameters: $start, $end (dates, end exclusive), $dimension ('source', 'campaign', 'score_band' or 'total'),
-- $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
banded as (
    select f.*
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
cohort as (
    select
        b.lead_id,
        b.created_at,
        b.accepted_at,
        b.rejected_at,
        b.is_won,
        b.first_touch_at,
        case $dimension
            when 'source' then coalesce(b.source, 'unknown')
            when 'campaign' then coalesce(b.campaign_id::varchar, 'none')
            when 'score_band' then b.score_band
            else 'all'
        end as group_key,
        case $dimension
            when 'source' then coalesce(b.source, 'Unknown source')
            when 'campaign' then case
                when b.campaign_id is null then 'No campaign'
                else coalesce(c.campaign_name, 'Campaign ' || b.campaign_id::varchar)
            end
            when 'score_band' then case when b.lead_score is null then 'No score' else b.score_band end
            else 'All MQLs'
        end as group_label,
        case when $dimension = 'score_band' then b.score_band_order else 0 end as band_order,
    from banded b
    left join campaigns c on c.campaign_id = b.campaign_id
),
revenues as (
    -- the revenue of a lead is every booking of its opportunities
    select
        o.lead_id,
        sum(r.amount_eur) as revenue_eur,
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    join cohort c on c.lead_id = o.lead_id
    group by o.lead_id
),
grouped as (
    select
        c.group_key,
        c.group_label,
        c.band_order,
        count(*) as mql_count,
        count(c.accepted_at) as accepted_count,
        count(case when c.accepted_at is null and c.rejected_at is not null then 1 end) as rejected_count,
        count(case when c.is_won then 1 end) as won_count,
        coalesce(sum(r.revenue_eur), 0)::double as cohort_revenue_eur,
        count(case when c.first_touch_at is null then 1 end) as untouched_count,
    from cohort c
    left join revenues r on r.lead_id = c.lead_id
    group by c.group_key, c.group_label, c.band_order
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
