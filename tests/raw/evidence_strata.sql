-- one row per stratum of the evidence window's MQLs (source, campaign, segment, score band) and how sales
-- worked them ('on_time', 'late' or 'never'): how many, how many won, the revenue of those won, their scores
-- parameters: $start_at, $end_at (UTC timestamps of the window's first and last-plus-one local midnights;
-- MQLs by when they became MQLs), $segment, $region, $source (null = all)
with
mqls as (
    select
        f.lead_id,
        f.source,
        coalesce(f.campaign_id::varchar, 'none') as campaign,
        f.segment,
        f.score_band,
        f.lead_score,
        f.is_won,
        -- on time: first touched within the SLA in force (from assignment, the rep's own clock), or within
        -- HubSpot's 24 hours where none was agreed
        case
            when f.first_touch_hours is null then 'never'
            when f.first_touch_hours <= coalesce(f.first_touch_sla_hours, 24) then 'on_time'
            else 'late'
        end as worked,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
won_revenue as (
    select o.lead_id, sum(r.amount_eur)::double as revenue_eur
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    join mqls m on m.lead_id = o.lead_id and m.is_won
    group by o.lead_id
)
select
    m.source,
    m.campaign,
    m.segment,
    m.score_band,
    m.worked,
    count(*) as mql_count,
    count(case when m.is_won then 1 end) as won_count,
    coalesce(sum(r.revenue_eur), 0) as won_revenue_eur,
    count(r.revenue_eur) as won_with_revenue_count,
    count(m.lead_score) as scored_count,
    coalesce(sum(m.lead_score), 0)::double as score_sum,
    coalesce(sum(m.lead_score * m.lead_score), 0)::double as score_square_sum,
from mqls m
left join won_revenue r on r.lead_id = m.lead_id
group by all
order by all
