-- one row: how the scores of the period's never-touched MQLs compare with those of the touched MQLs of the same
-- source and score band (a positive gap: the untouched scored lower, so reps picked the better leads)
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
with
cells as (
    -- the daily rollup (schema 7), summed per source and score band
    select
        coalesce(d.source, '(no source)') as source,
        d.score_band,
        sum(d.untouched_count) as untouched_count,
        sum(d.touched_score_sum) / nullif(sum(d.touched_scored_count), 0) as touched_mean_score,
        sum(d.untouched_score_sum) / nullif(sum(d.untouched_scored_count), 0) as untouched_mean_score,
    from mql_daily d
    where d.mql_date >= $start::date
        and d.mql_date < $end::date
        and ($segment is null or d.segment = $segment)
        and ($region is null or d.region = $region)
        and ($source is null or coalesce(d.source, '') = $source)
    group by all
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
