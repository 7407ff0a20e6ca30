-- The raw computation of queries/touched_vs_untouched.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per source and lead-score band of the period's MQLs: how many sales never touched, how the touched
-- ones fared, and the mean score of the touched and the untouched (are the untouched worse, or just ignored?)
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    select
        f.lead_id,
        f.lead_score,
        coalesce(f.source, 'unknown') as source,
        f.score_band,
        f.score_band_order as band_order,
        f.first_touch_at is not null as is_touched,
        f.is_won,
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
        c.band_order,
        count(*) as mql_count,
        count(case when c.is_touched then 1 end) as touched_count,
        count(case when not c.is_touched then 1 end) as untouched_count,
        count(case when c.is_touched and c.is_won then 1 end) as touched_won_count,
        avg(case when c.is_touched then c.lead_score end) as touched_mean_score,
        avg(case when not c.is_touched then c.lead_score end) as untouched_mean_score,
    from cohort c
    group by c.source, c.score_band, c.band_order
),
final as (
    select
        source,
        score_band,
        band_order,
        mql_count,
        touched_count,
        untouched_count,
        untouched_count / mql_count as untouched_rate,
        touched_won_count,
        touched_won_count / nullif(touched_count, 0) as touched_win_rate,
        touched_mean_score,
        untouched_mean_score,
    from cells
)
select * from final
order by source, band_order
