-- one row per stratum of the evidence window's MQLs (source, campaign, segment, score band) and how sales
-- worked them ('on_time', 'late' or 'never'): how many, how many won, the revenue of those won, their scores
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs), $segment, $region, $source
-- (null = all). From the daily rollup (schema 10); on time: first touched within the SLA in force, or within
-- HubSpot's 24 hours where none was agreed (see evidence_daily_live)
select
    d.source,
    d.campaign,
    d.segment,
    d.score_band,
    d.worked,
    sum(d.mql_count)::bigint as mql_count,
    sum(d.won_count)::bigint as won_count,
    sum(d.won_revenue_eur)::double as won_revenue_eur,
    sum(d.won_with_revenue_count)::bigint as won_with_revenue_count,
    sum(d.scored_count)::bigint as scored_count,
    sum(d.score_sum)::double as score_sum,
    sum(d.score_square_sum)::double as score_square_sum,
from evidence_daily d
where d.mql_date >= $start::date
    and d.mql_date < $end::date
    and ($segment is null or d.segment = $segment)
    and ($region is null or d.region = $region)
    and ($source is null or coalesce(d.source, '') = $source)
group by all
order by all
