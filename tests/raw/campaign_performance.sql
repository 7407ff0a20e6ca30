-- The raw computation of queries/campaign_performance.sql from the base tables, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per campaign, per channel or for all campaigns together ($dimension): what they cost in the
-- period, what their leads brought in it, and how sales took part
-- parameters: $start, $end (dates, end exclusive), $dimension ('campaign', 'channel' or 'total': always
-- one row), $segment, $region, $source (null = all; they filter leads, and share each campaign's cost out by
-- the filtered share of its leads), $now (timestamp: a campaign with no end date has run until then)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
runs as (
    -- a campaign's cost counts in the period in proportion to the days of its run inside it
    select
        c.campaign_id,
        c.campaign_name,
        c.channel,
        c.start_date,
        c.end_date,
        c.cost_eur::double as cost_eur,
        c.has_sales_at_kickoff,
        c.has_sales_at_postmortem,
        -- with no end date the campaign is still running: its cost so far spreads over its days so far
        coalesce(c.end_date + 1, greatest(c.start_date + 1, $now::date)) as run_end_date,
        greatest(0, datediff(
            'day',
            greatest(c.start_date, $start::date),
            least(coalesce(c.end_date + 1, greatest(c.start_date + 1, $now::date)), $end::date)
        )) as days_in_period,
        c.end_date is not null and c.end_date < least($end::date, $now::date) as has_ended,
    from campaigns c
),
campaign_leads as not materialized (
    -- a lead counts for its campaign when the campaign exists and the filters keep it
    select l.lead_id, l.campaign_id, l.created_at, l.mql_at
    from leads l
    where l.campaign_id in (select campaign_id from campaigns)
        and ($segment is null or l.segment = $segment)
        and ($region is null or l.region = $region)
        and ($source is null or coalesce(l.source, '') = $source)
),
lead_counts as (
    -- only the leads that arrived or qualified in the period, so a long history is not read
    select
        campaign_id,
        count(case when created_at >= $start_at and created_at < $end_at then 1 end) as lead_count,
        count(case when mql_at >= $start_at and mql_at < $end_at then 1 end) as mql_count,
    from campaign_leads
    where (created_at >= $start_at and created_at < $end_at) or (mql_at >= $start_at and mql_at < $end_at)
    group by campaign_id
),
period_deals as (
    -- the deals the period touches (opened, won or booked in it) with their lead's campaign: a few
    -- thousand, looked up by lead, instead of every campaign lead joined to every deal
    select o.opportunity_id, o.lead_id, o.created_date, o.closed_date, o.is_won, o.amount_eur, l.campaign_id
    from opportunities o
    join campaign_leads l on l.lead_id = o.lead_id
    where (o.created_date >= $start::date and o.created_date < $end::date)
        or (o.is_won and o.closed_date >= $start::date and o.closed_date < $end::date)
        or o.opportunity_id in (
            select opportunity_id from revenue where booked_date >= $start::date and booked_date < $end::date)
),
pipeline as (
    -- opportunities opened in the period from the campaign's leads, whatever became of them since
    select
        campaign_id,
        count(*) as opportunity_count,
        sum(amount_eur)::double as pipeline_eur,
    from period_deals
    where created_date >= $start::date
        and created_date < $end::date
    group by campaign_id
),
bookings as (
    -- revenue booked in the period from deals of the campaign's leads, whenever the lead arrived
    select
        d.campaign_id,
        sum(r.amount_eur)::double as revenue_eur,
    from revenue r
    join period_deals d on d.opportunity_id = r.opportunity_id
    where r.booked_date >= $start::date
        and r.booked_date < $end::date
    group by d.campaign_id
),
customers as (
    -- leads whose deal was won in the period; leads still open are not customers yet
    select
        campaign_id,
        count(distinct lead_id) as customer_count,
    from period_deals
    where is_won
        and closed_date >= $start::date
        and closed_date < $end::date
    group by campaign_id
),
shares as (
    -- under a filter a campaign's cost is shared out by the share of its leads, whenever they arrived, that the
    -- filters keep: 10 of its 40 leads in a region put 10/40 of its cost in that region's view
    select
        campaign_id,
        count(*) as campaign_all_lead_count,
        count(case when ($segment is null or segment = $segment)
            and ($region is null or region = $region)
            and ($source is null or coalesce(source, '') = $source) then 1 end) as campaign_kept_lead_count,
    from leads
    where campaign_id is not null
    group by campaign_id
),
ratings as (
    select
        campaign_id,
        count(*) as rating_count,
        sum(rating) as rating_sum,
    from campaign_feedback
    group by campaign_id
),
facts as (
    select
        case $dimension
            when 'campaign' then r.campaign_id::varchar
            when 'channel' then r.channel
            else 'total'
        end as group_key,
        r.*,
        r.days_in_period > 0 as ran_in_period,
        r.cost_eur * r.days_in_period / datediff('day', r.start_date, r.run_end_date) as whole_cost_in_period_eur,
        -- unfiltered, the whole cost; filtered, the kept share of it (none for a campaign with no leads at all)
        case when $segment is null and $region is null and $source is null then 1.0
            else coalesce(s.campaign_kept_lead_count / nullif(s.campaign_all_lead_count, 0), 0) end as cost_share,
        r.cost_eur * r.days_in_period / datediff('day', r.start_date, r.run_end_date) * cost_share
            as cost_in_period_eur,
        coalesce(s.campaign_all_lead_count, 0) as campaign_all_lead_count,
        coalesce(s.campaign_kept_lead_count, 0) as campaign_kept_lead_count,
        coalesce(n.lead_count, 0) as lead_count,
        coalesce(n.mql_count, 0) as mql_count,
        coalesce(p.opportunity_count, 0) as opportunity_count,
        coalesce(p.pipeline_eur, 0) as pipeline_eur,
        coalesce(b.revenue_eur, 0) as revenue_eur,
        coalesce(w.customer_count, 0) as customer_count,
        coalesce(g.rating_count, 0) as rating_count,
        coalesce(g.rating_sum, 0) as rating_sum,
    from runs r
    left join lead_counts n on n.campaign_id = r.campaign_id
    left join pipeline p on p.campaign_id = r.campaign_id
    left join bookings b on b.campaign_id = r.campaign_id
    left join customers w on w.campaign_id = r.campaign_id
    left join ratings g on g.campaign_id = r.campaign_id
    left join shares s on s.campaign_id = r.campaign_id
),
in_scope as (
    -- the campaigns that ran in the period, and older ones whose leads still brought something in it
    select *
    from facts
    where ran_in_period
        or lead_count > 0
        or mql_count > 0
        or opportunity_count > 0
        or revenue_eur > 0
        or customer_count > 0
),
grouped as (
    select
        group_key,
        min(campaign_id) as campaign_id,
        min(campaign_name) as campaign_name,
        min(channel) as channel,
        min(start_date) as start_date,
        max(end_date) as end_date,
        bool_and(has_sales_at_kickoff) as has_sales_at_kickoff,
        bool_and(has_sales_at_postmortem) as has_sales_at_postmortem,
        bool_and(has_ended) as has_ended,
        count(case when ran_in_period then 1 end) as campaign_count,
        count(case when ran_in_period and cost_eur is null then 1 end) as uncosted_campaign_count,
        sum(case when ran_in_period then cost_in_period_eur else 0 end) as cost_eur,
        sum(case when ran_in_period then whole_cost_in_period_eur else 0 end) as whole_cost_eur,
        sum(case when ran_in_period then campaign_all_lead_count else 0 end) as campaign_all_lead_count,
        sum(case when ran_in_period then campaign_kept_lead_count else 0 end) as campaign_kept_lead_count,
        sum(lead_count) as lead_count,
        sum(mql_count) as mql_count,
        sum(opportunity_count) as opportunity_count,
        sum(pipeline_eur) as pipeline_eur,
        sum(revenue_eur) as revenue_eur,
        sum(customer_count) as customer_count,
        count(case when ran_in_period and has_sales_at_kickoff is not null then 1 end) as kickoff_recorded_count,
        count(case when ran_in_period and has_sales_at_kickoff then 1 end) as kickoff_attended_count,
        count(case when ran_in_period and has_ended then 1 end) as postmortem_due_count,
        count(case when ran_in_period and has_ended and has_sales_at_postmortem is not null then 1 end)
            as postmortem_recorded_count,
        count(case when ran_in_period and has_ended and has_sales_at_postmortem then 1 end)
            as postmortem_attended_count,
        sum(case when ran_in_period then rating_count else 0 end) as rating_count,
        sum(case when ran_in_period then rating_sum else 0 end) as rating_sum,
    from in_scope
    group by group_key
),
groups as (
    select group_key from grouped
    union
    select 'total' as group_key where $dimension = 'total'
),
costed as (
    select
        k.group_key,
        g.*,
        -- an unknown cost makes the sum unknown
        case when coalesce(g.uncosted_campaign_count, 0) = 0 then coalesce(g.cost_eur, 0) end as known_cost_eur,
        case when coalesce(g.uncosted_campaign_count, 0) = 0 then coalesce(g.whole_cost_eur, 0) end
            as known_whole_cost_eur,
    from groups k
    left join grouped g on g.group_key = k.group_key
),
final as (
    select
        case when $dimension = 'campaign' then campaign_id end as campaign_id,
        case when $dimension = 'campaign' then campaign_name end as campaign_name,
        case when $dimension in ('campaign', 'channel') then channel end as channel,
        case when $dimension = 'campaign' then start_date end as start_date,
        case when $dimension = 'campaign' then end_date end as end_date,
        coalesce(campaign_count, 0) as campaign_count,
        coalesce(uncosted_campaign_count, 0) as uncosted_campaign_count,
        -- of the campaigns that ran in the period, the share whose cost is recorded (return on spend known)
        ((campaign_count - uncosted_campaign_count) / nullif(campaign_count, 0))::double as costed_campaign_rate,
        round(known_cost_eur, 2)::double as campaign_cost_eur,
        -- the campaigns' whole cost in the period, and their leads (all, and those the filters keep), whose
        -- ratio shares the cost out; all equal to the above when no filter is set
        round(known_whole_cost_eur, 2)::double as whole_campaign_cost_eur,
        coalesce(campaign_all_lead_count, 0)::bigint as campaign_all_lead_count,
        coalesce(campaign_kept_lead_count, 0)::bigint as campaign_kept_lead_count,
        coalesce(lead_count, 0)::bigint as lead_count,
        coalesce(mql_count, 0)::bigint as campaign_mql_count,
        (known_cost_eur / nullif(mql_count, 0))::double as cost_per_mql_eur,
        coalesce(opportunity_count, 0)::bigint as opportunity_count,
        coalesce(pipeline_eur, 0)::double as pipeline_sourced_eur,
        coalesce(revenue_eur, 0)::double as revenue_sourced_eur,
        (revenue_eur / nullif(known_cost_eur, 0))::double as return_on_spend,
        coalesce(customer_count, 0)::bigint as customer_count,
        (known_cost_eur / nullif(customer_count, 0))::double as customer_acquisition_cost_eur,
        case when $dimension = 'campaign' then has_sales_at_kickoff end as has_sales_at_kickoff,
        case when $dimension = 'campaign' then has_sales_at_postmortem end as has_sales_at_postmortem,
        case when $dimension = 'campaign' then has_ended end as has_ended,
        coalesce(kickoff_recorded_count, 0) as kickoff_recorded_count,
        coalesce(kickoff_attended_count, 0) as kickoff_attended_count,
        (kickoff_attended_count / nullif(kickoff_recorded_count, 0))::double as sales_kickoff_rate,
        coalesce(postmortem_due_count, 0) as postmortem_due_count,
        coalesce(postmortem_recorded_count, 0) as postmortem_recorded_count,
        coalesce(postmortem_attended_count, 0) as postmortem_attended_count,
        (postmortem_attended_count / nullif(postmortem_recorded_count, 0))::double as sales_postmortem_rate,
        coalesce(rating_count, 0)::bigint as rating_count,
        (rating_sum / nullif(rating_count, 0))::double as sales_campaign_rating,
    from costed
)
select * from final
order by campaign_cost_eur desc nulls last, revenue_sourced_eur desc, channel, campaign_name, campaign_id
