-- Schema version 7: daily rollups, so a page counts a period's cohorts from a few thousand rows instead
-- of a million leads. Each rollup is a view (the definition, the "_live" one) and a table holding its
-- result; warehouse.refresh_lead_facts rebuilds the tables in the same transaction as every write that
-- changes leads, touches, deals, revenue, agreements or the time zone, so a table always equals its view
-- (tests/test_rollups.py). A day is the organisation's calendar day, so a period's filter on days picks
-- exactly the rows its local-midnight timestamps would.

create macro local_date(ts) as
    timezone(coalesce((select value from meta where key = 'timezone'), 'UTC'), timezone('UTC', ts))::date;

-- One row per MQL day and the dimensions pages filter or group by: what became of those MQLs so far.
-- Whether an untouched lead with an SLA is breached depends on when it is judged, so those leads are
-- counted here and split into pending and breached at query time from the few whose deadline is ahead.
create view mql_daily_live as
with
lead_revenue as (
    select o.lead_id, sum(r.amount_eur) as revenue_eur
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    where o.lead_id is not null
    group by o.lead_id
)
select
    local_date(f.mql_at) as mql_date,
    f.segment,
    f.region,
    f.source,
    f.campaign_id,
    f.score_band,
    f.score_band_order,
    count(*) as mql_count,
    count(f.accepted_at) as accepted_count,
    count(case when f.accepted_at is null and f.rejected_at is not null then 1 end) as rejected_count,
    count(case when f.accepted_at is null and f.rejected_at is not null
        and trim(coalesce(f.rejection_reason, '')) <> '' then 1 end) as rejected_with_reason_count,
    count(case when f.accepted_at is null and f.rejected_at is not null
        and f.first_touch_at is null then 1 end) as rejected_untouched_count,
    count(case when f.is_won then 1 end) as won_count,
    count(case when f.first_touch_at is null then 1 end) as untouched_count,
    count(case when f.first_touch_at is not null and f.is_won then 1 end) as touched_won_count,
    -- sums and counts rather than means, so any set of rows gives the exact mean of its leads
    count(case when f.first_touch_at is not null then f.lead_score end) as touched_scored_count,
    sum(case when f.first_touch_at is not null then f.lead_score end) as touched_score_sum,
    count(case when f.first_touch_at is null then f.lead_score end) as untouched_scored_count,
    sum(case when f.first_touch_at is null then f.lead_score end) as untouched_score_sum,
    count(case when f.first_touch_sla_hours is null then 1 end) as no_sla_count,
    count(case when f.first_touch_sla_hours is not null and f.is_touched_within_sla then 1 end)
        as within_sla_count,
    count(case when f.first_touch_sla_hours is not null and not f.is_touched_within_sla then 1 end)
        as touched_late_count,
    count(case when f.first_touch_sla_hours is not null and f.first_touch_at is null then 1 end)
        as untouched_with_sla_count,
    coalesce(sum(r.revenue_eur), 0) as revenue_eur,
from lead_facts f
left join lead_revenue r on r.lead_id = f.lead_id
where f.mql_at is not null
group by all;

create table mql_daily as select * from mql_daily_live order by mql_date;

-- One row per day leads arrived and the dimensions pages filter by: how far they have got so far, and how
-- complete their records are (data_health.sql).
create view created_daily_live as
with
booked_leads as (
    select distinct o.lead_id
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    where o.lead_id is not null
)
select
    local_date(f.created_at) as created_date,
    f.segment,
    f.region,
    f.source,
    f.campaign_id,
    f.stage_rank,
    f.stage_outcome,
    count(*) as lead_count,
    count(f.mql_at) as mql_count,
    count(case when f.mql_at is not null and f.owner_rep_id is not null then 1 end) as mql_with_owner_count,
    count(case when f.mql_at is not null and f.first_touch_at is not null then 1 end) as mql_with_first_touch_count,
    count(case when f.mql_at is not null and (f.accepted_at is not null or f.rejected_at is not null) then 1 end)
        as mql_with_disposition_count,
    -- a won deal, or an export that says won without the deal behind it
    count(case when f.is_won or f.status = 'won' then 1 end) as won_count,
    count(case when (f.is_won or f.status = 'won') and b.lead_id is not null then 1 end) as won_with_revenue_count,
from lead_facts f
left join booked_leads b on b.lead_id = f.lead_id
group by all;

create table created_daily as select * from created_daily_live order by created_date;

-- One row per MQL day, dimensions and wait for a first touch (first_touch_buckets.sql, whose bands these
-- bounds are: each holds waits above its lower bound up to and including its upper bound, as the SLA check does).
create view first_touch_daily_live as
select
    local_date(mql_at) as mql_date,
    segment,
    region,
    source,
    case
        when first_touch_hours is null then 7
        when first_touch_hours <= 1 then 1
        when first_touch_hours <= 4 then 2
        when first_touch_hours <= 24 then 3
        when first_touch_hours <= 72 then 4
        when first_touch_hours <= 168 then 5
        else 6
    end as band_order,
    count(*) as mql_count,
from lead_facts
where mql_at is not null
group by all;

create table first_touch_daily as select * from first_touch_daily_live order by mql_date;

-- One row per MQL day, dimensions, attempts before sales decided (10 or more as 10) and the decision
-- (attempts_before_disposition.sql); undecided MQLs have no attempt count yet and no row.
create view attempts_daily_live as
select
    local_date(mql_at) as mql_date,
    segment,
    region,
    source,
    least(attempt_count, 10) as attempt_count,
    accepted_at is not null as is_accepted,
    rejection_reason = 'unable_to_reach' as is_unable_to_reach,
    count(*) as mql_count,
from lead_facts
where mql_at is not null
    and attempt_count is not null
group by all;

create table attempts_daily as select * from attempts_daily_live order by mql_date;

-- One row per deal with its lead's dimensions, so a filter by segment, region or source reads the
-- deals alone instead of joining every lead.
create view deal_facts_live as
select
    o.opportunity_id,
    o.lead_id,
    o.created_date,
    o.closed_date,
    o.is_won,
    o.amount_eur,
    l.segment,
    l.region,
    l.source,
    l.sourced_by,
    l.campaign_id,
from opportunities o
left join leads l on l.lead_id = o.lead_id;

create table deal_facts as select * from deal_facts_live order by created_date;

-- One row per booking day and its deal's lead's dimensions: the revenue booked.
create view revenue_daily_live as
select
    r.booked_date,
    d.segment,
    d.region,
    d.source,
    d.sourced_by,
    d.campaign_id,
    sum(r.amount_eur) as revenue_eur,
    count(*) as booking_count,
from revenue r
join deal_facts d on d.opportunity_id = r.opportunity_id
group by all;

create table revenue_daily as select * from revenue_daily_live order by booked_date;
