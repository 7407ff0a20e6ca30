-- one row per campaign that ended in the 13 weeks up to the week's end and has had no post-mortem
-- with sales: none recorded yet, or one held without sales
-- parameters: $end (date: the Monday after the week, exclusive)
with
ended as (
    select *
    from campaigns
    where end_date < $end::date
        and end_date >= $end::date - 91
        and has_sales_at_postmortem is distinct from true
),
final as (
    select
        campaign_id,
        campaign_name,
        channel,
        end_date,
        $end::date - 1 - end_date as days_since_end,
        case when has_sales_at_postmortem is null then 'no post-mortem recorded' else 'held without sales' end
            as postmortem_status,
    from ended
)
select * from final
order by end_date, campaign_name
