-- one row per source and lead-score band of the period's MQLs: how many sales never touched, how the touched
-- ones fared, and the mean score of the touched and the untouched (are the untouched worse, or just ignored?)
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
with
cells as (
    -- the daily rollup (schema 7), summed per source and score band
    select
        coalesce(d.source, '(no source)') as source,
        d.score_band,
        d.score_band_order as band_order,
        sum(d.mql_count)::bigint as mql_count,
        sum(d.mql_count - d.untouched_count)::bigint as touched_count,
        sum(d.untouched_count)::bigint as untouched_count,
        sum(d.touched_won_count)::bigint as touched_won_count,
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
