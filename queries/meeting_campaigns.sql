-- one row per campaign running in the 13 weeks up to the week's end: what sales can rate in the meeting,
-- with the ratings it has so far
-- parameters: $end (date: the Monday after the week, exclusive)
with
recent as (
    select campaign_id, campaign_name, channel, start_date, end_date
    from campaigns
    where start_date < $end::date
        and (end_date is null or end_date >= $end::date - 91)
),
ratings as (
    select
        campaign_id,
        count(*) as rating_count,
        avg(rating) as average_rating,
        max(given_at) as last_rated_at,
    from campaign_feedback
    group by campaign_id
),
final as (
    select r.*, coalesce(g.rating_count, 0) as rating_count, g.average_rating, g.last_rated_at
    from recent r
    left join ratings g on g.campaign_id = r.campaign_id
)
select * from final
order by coalesce(end_date, date '9999-12-31') desc, campaign_name
