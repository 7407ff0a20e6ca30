-- The raw computation of queries/quality_touch_gap.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row: how the scores of the period's never-touched MQLs compare with those of the touched MQLs of the same
-- source and score band (a positive gap: the untouched scored lower, so reps picked the better leads)
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    select
        f.lead_score,
        coalesce(f.source, 'unknown') as source,
        f.score_band,
        f.first_touch_at is not null as is_touched,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
cells as (
    select
        c.source,
        c.score_band,
        count(case when not c.is_touched then 1 end) as untouched_count,
        avg(case when c.is_touched then c.lead_score end) as touched_mean_score,
        avg(case when not c.is_touched then c.lead_score end) as untouched_mean_score,
    from cohort c
    group by c.source, c.score_band
),
compared as (
    -- only cells holding scored leads of both kinds can be compared
    select
        untouched_count,
        touched_mean_score - untouched_mean_score as score_gap,
    from cells
    where touched_mean_score is not null and untouched_mean_score is not null
),
final as (
    select
        count(*) as compared_cell_count,
        coalesce(sum(untouched_count), 0)::bigint as compared_untouched_count,
        -- each untouched MQL weighs the same: the mean distance to the touched of its own cell
        sum(untouched_count * score_gap) / nullif(sum(untouched_count), 0) as within_cell_score_gap,
    from compared
)
select * from final
