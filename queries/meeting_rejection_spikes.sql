-- one row per campaign and rejection reason whose rejections in the week stand out: at least $min_count
-- and at least $spike_ratio times its weekly average over the four weeks before
-- parameters: $start_at, $end_at (UTC timestamps: the week's first and next Monday's local midnight),
-- $min_count (integer), $spike_ratio (double), $segment, $region, $source (null = all)
with
rejections as (
    -- rejected as kpi_mql_cohort counts it (a rejection and no acceptance), by when sales rejected it
    select
        coalesce(c.campaign_name, 'Leads without a campaign') as campaign_name,
        l.campaign_id,
        case
            when trim(coalesce(l.rejection_reason, '')) = '' then 'no_reason'
            when lower(trim(l.rejection_reason)) in ('unable_to_reach', 'bad_data', 'no_need', 'no_budget', 'no_fit')
                then lower(trim(l.rejection_reason))
            else 'other'
        end as rejection_reason,
        l.rejected_at >= $start_at as is_this_week,
    from leads l
    left join campaigns c on c.campaign_id = l.campaign_id
    where l.mql_at is not null
        and l.accepted_at is null
        and l.rejected_at >= $start_at - interval 28 day
        and l.rejected_at < $end_at
        and ($segment is null or l.segment = $segment)
        and ($region is null or l.region = $region)
        and ($source is null or coalesce(l.source, '') = $source)
),
counted as (
    select
        campaign_id,
        campaign_name,
        rejection_reason,
        count(case when is_this_week then 1 end) as week_count,
        count(case when not is_this_week then 1 end) / 4 as weekly_average_before,
    from rejections
    group by campaign_id, campaign_name, rejection_reason
),
final as (
    select *
    from counted
    where week_count >= $min_count
        and week_count >= $spike_ratio * weekly_average_before
)
select * from final
order by week_count - weekly_average_before desc, campaign_name, rejection_reason
