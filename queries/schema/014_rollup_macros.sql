-- Schema version 14: writes that cost what they change. The lead facts and each rollup of leads become table macros
-- over the tables they read (lead_facts_of, mql_daily_of, ...), and their "_live" views are those macros over the
-- whole tables, unchanged in what they return. A write that changes a thousand leads computes their facts from copies
-- of just their leads, touches and deals, and rebuilds only the rows of the days, segments, regions and sources it
-- touched from a copy of just those groups' leads (warehouse.refresh_lead_facts): a filter on the views reached neither
-- inside the grouping of every lead's touches nor past the time zone conversion of every lead's day. The definitions
-- are those of schemas 7, 10 and 11, the table names aside; a rollup sums the revenue of its own leads only, which
-- gives the same rows (the other leads' revenue joined none of them).

create macro lead_facts_of(leads_in, follow_ups_in, opportunities_in) as table
with
valid_touches as (
    -- a touch recorded before its lead existed is a data error, not a touch
    select
        f.lead_id,
        f.touched_at,
        coalesce(l.accepted_at, l.rejected_at) as decided_at,
        -- an attempt to reach the lead: sales had not decided yet
        l.accepted_at is null and l.rejected_at is null
            or f.touched_at <= coalesce(l.accepted_at, l.rejected_at) as is_attempt,
        -- the outcomes that mean the lead was reached (an imported CRM's own words are mapped to these)
        lower(trim(f.outcome)) in ('connected', 'replied', 'meeting_held') as is_contact,
    from query_table(follow_ups_in) f
    join query_table(leads_in) l on l.lead_id = f.lead_id
    where f.touched_at >= l.created_at
),
first_contacts as (
    select lead_id, min(touched_at) as first_contact_at
    from valid_touches
    where is_attempt and is_contact
    group by lead_id
),
touches as (
    select
        lead_id,
        min(touched_at) as first_touch_at,
        max(touched_at) as last_touch_at,
        count(*) as touch_count,
        count(case when touched_at <= decided_at then 1 end) as attempts_before_decision,
        any_value(c.first_contact_at) as first_contact_at,
        -- the attempts it took to reach the lead, or all of them when it was never reached
        count(case when is_attempt and (c.first_contact_at is null or touched_at <= c.first_contact_at) then 1 end)
            as attempts_to_contact,
    from valid_touches v
    left join first_contacts c using (lead_id)
    group by lead_id
),
deals as (
    select
        lead_id,
        min(created_date) as first_opportunity_date,
        min(case when is_won then closed_date end) as won_date,
        count(case when is_won then 1 end) > 0 as is_won,
        count(case when closed_date is null then 1 end) > 0 as has_open_opportunity,
        -- a deal that is open or lost, or whose opening is dated, records the opportunity stage itself;
        -- an export of won deals alone does not
        count(case when created_date is not null or is_won is not true then 1 end) > 0 as has_opportunity_record,
    from query_table(opportunities_in)
    where lead_id is not null
    group by lead_id
),
joined as (
    select
        l.*,
        -- the SLA measures the rep's own time, from assignment; without a recorded hand-off, or with one
        -- recorded after the first touch (the latest of several assignments), from MQL
        case
            when l.assigned_at is not null and (t.first_touch_at is null or l.assigned_at <= t.first_touch_at)
                then l.assigned_at
            else l.mql_at
        end as sla_clock_at,
        coalesce(l.assigned_at > t.first_touch_at, false) as is_assigned_after_touch,
        t.first_touch_at,
        t.last_touch_at,
        coalesce(t.touch_count, 0) as touch_count,
        t.first_contact_at,
        coalesce(t.attempts_to_contact, 0) as attempts_to_contact,
        -- attempts up to sales' decision; null while the lead is undecided or its decision has no time
        case when coalesce(l.accepted_at, l.rejected_at) is not null
            then coalesce(t.attempts_before_decision, 0) end as attempt_count,
        a.effective_date as agreement_effective_date,
        a.first_touch_sla_hours,
        a.min_attempts,
        a.mql_score_threshold,
        a.recycle_days,
        coalesce(l.opportunity_at, d.first_opportunity_date::timestamp) as reached_opportunity_at,
        coalesce(d.won_date, l.won_at::date) as won_date,
        -- one definition of won: a linked won deal, or the lead's own record (status won, or a time it became
        -- a customer) when the export holds no deal for it
        coalesce(d.is_won, false) or l.status = 'won' or l.won_at is not null as is_won,
        coalesce(d.has_open_opportunity, false) as has_open_opportunity,
        d.lead_id is not null as has_opportunity,
        coalesce(d.has_opportunity_record, false) as has_deal_record,
    from query_table(leads_in) l
    left join touches t on t.lead_id = l.lead_id
    left join deals d on d.lead_id = l.lead_id
    left join agreement_periods a
        on l.mql_at >= a.effective_date
        and (a.next_effective_date is null or l.mql_at < a.next_effective_date)
),
clocked as (
    select
        j.*,
        -- a touch before the clock started kept the lead waiting no time at all
        -- (greatest() skips nulls, so an untouched lead is kept null by hand)
        case when j.first_touch_at is not null
            then greatest(epoch(j.first_touch_at) - epoch(j.sla_clock_at), 0) / 3600
        end as first_touch_hours,
        (epoch(j.first_touch_at) - epoch(j.created_at)) / 3600 as speed_to_lead_hours,
        j.sla_clock_at + interval 1 hour * j.first_touch_sla_hours as sla_deadline_at,
        -- settled once touched; an untouched lead's fate depends on when it is judged (see kpi_mql_cohort)
        j.first_touch_at <= j.sla_clock_at + interval 1 hour * j.first_touch_sla_hours as is_touched_within_sla,
        case
            when j.lead_score is null then 'no score'
            when j.lead_score < 40 then '0-39'
            when j.lead_score < 60 then '40-59'
            when j.lead_score < 80 then '60-79'
            else '80-100'
        end as score_band,
        case
            when j.lead_score is null then 5
            when j.lead_score < 40 then 1
            when j.lead_score < 60 then 2
            when j.lead_score < 80 then 3
            else 4
        end as score_band_order,
        -- handed over below the score the agreement in force then set; null when either is missing
        j.lead_score < j.mql_score_threshold as is_below_threshold,
        -- what the record says of each stage itself, not inferred from a later one
        j.accepted_at is not null or j.rejected_at is not null or j.decision is not null
            or j.status in ('sal', 'rejected', 'disqualified') as has_sal_record,
        j.sql_at is not null or j.status = 'sql' as has_sql_record,
        j.opportunity_at is not null or j.status in ('opportunity', 'lost') or j.has_deal_record
            as has_opportunity_record,
    from joined j
),
decided as (
    select
        c.*,
        -- sales' decision on the hand-off: a time, a decision recorded without one, or a later stage reached
        c.accepted_at is not null or coalesce(c.decision, '') = 'accepted' or c.sql_at is not null
            or c.reached_opportunity_at is not null or c.has_opportunity or c.is_won
            or c.status in ('sal', 'sql', 'opportunity', 'won', 'lost') as is_accepted,
    from clocked c
),
staged as (
    select
        d.*,
        not d.is_accepted and (d.rejected_at is not null or coalesce(d.decision, '') = 'rejected'
            or d.status in ('rejected', 'disqualified')) as is_rejected,
        case
            when d.is_won then 6
            when d.reached_opportunity_at is not null or d.has_opportunity or d.status in ('opportunity', 'lost') then 5
            when d.sql_at is not null or d.status = 'sql' then 4
            when d.is_accepted then 3
            when d.mql_at is not null then 2
            else 1
        end as stage_rank,
        -- the day an MQL without progress counts as recycled under the recycle term of its agreement
        case when d.mql_at is not null and d.recycle_days is not null
            then greatest(d.mql_at, d.accepted_at, d.sql_at, d.reached_opportunity_at, d.last_touch_at)
                + interval 1 day * d.recycle_days
        end as recycle_at,
    from decided d
),
final as (
    select
        s.*,
        case
            when s.is_won then 'won'
            when s.stage_rank = 5 then
                case when s.has_open_opportunity or (not s.has_opportunity and s.status not in ('lost', 'disqualified'))
                    then 'open' else 'dropped' end
            when s.stage_rank in (3, 4) and s.status in ('disqualified', 'lost', 'rejected') then 'dropped'
            when s.is_rejected then 'dropped'
            else 'open'
        end as open_or_dropped,
    from staged s
)
select
    * exclude (open_or_dropped),
    case
        when open_or_dropped = 'open' and stage_rank between 2 and 4 and recycle_at <= (select as_of from data_as_of)
            then 'recycled'
        else open_or_dropped
    end as stage_outcome,
from final;


create or replace view lead_facts_live as from lead_facts_of('leads', 'follow_ups', 'opportunities');

create macro stage_evidence_of(facts) as table
select
    count(*) as lead_count,
    -- leads that stayed inquiries: an export of MQLs alone cannot say what share of inquiries qualified
    count(*) filter (where mql_at is null) as inquiry_only_count,
    count(mql_at) as mql_count,
    count(*) filter (where has_sal_record) as sal_record_count,
    count(*) filter (where has_sql_record) as sql_record_count,
    count(*) filter (where has_opportunity_record) as opportunity_record_count,
    count(*) filter (where is_won or has_opportunity) as outcome_record_count,
    -- decisions recorded without a time: counted in shares, left out of times
    count(*) filter (where mql_at is not null and (is_accepted or is_rejected)
        and accepted_at is null and rejected_at is null) as undated_decision_count,
    count(*) filter (where is_won and won_date is null) as undated_won_count,
    count(*) filter (where is_assigned_after_touch) as assigned_after_touch_count,
from query_table(facts);
create or replace view stage_evidence_live as from stage_evidence_of('lead_facts');

create macro mql_daily_of(facts) as table
with
lead_revenue as (
    select o.lead_id, sum(r.amount_eur) as revenue_eur
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    where o.lead_id in (select lead_id from query_table(facts))  -- these leads' revenue alone
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
    count(case when f.is_accepted then 1 end) as accepted_count,
    count(case when f.is_rejected then 1 end) as rejected_count,
    count(case when f.is_rejected and trim(coalesce(f.rejection_reason, '')) <> '' then 1 end)
        as rejected_with_reason_count,
    count(case when f.is_rejected and f.first_touch_at is null then 1 end) as rejected_untouched_count,
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
    -- MQLs with a score and an agreed threshold, and those of them handed over below it
    count(case when f.is_below_threshold is not null then 1 end) as threshold_judged_count,
    count(case when f.is_below_threshold then 1 end) as below_threshold_count,
from query_table(facts) f
left join lead_revenue r on r.lead_id = f.lead_id
where f.mql_at is not null
group by all;
create or replace view mql_daily_live as from mql_daily_of('lead_facts');

create macro created_daily_of(facts) as table
with
booked_leads as (
    select distinct o.lead_id
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    where o.lead_id in (select lead_id from query_table(facts))  -- these leads' revenue alone
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
    count(case when f.mql_at is not null and (f.is_accepted or f.is_rejected) then 1 end)
        as mql_with_disposition_count,
    count(case when f.is_won then 1 end) as won_count,
    count(case when f.is_won and b.lead_id is not null then 1 end) as won_with_revenue_count,
    count(case when f.mql_at is not null and f.is_below_threshold is not null then 1 end) as threshold_judged_count,
    count(case when f.mql_at is not null and f.is_below_threshold then 1 end) as below_threshold_count,
from query_table(facts) f
left join booked_leads b on b.lead_id = f.lead_id
group by all;
create or replace view created_daily_live as from created_daily_of('lead_facts');

create macro first_touch_daily_of(facts) as table
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
from query_table(facts)
where mql_at is not null
group by all;
create or replace view first_touch_daily_live as from first_touch_daily_of('lead_facts');

create macro attempts_daily_of(facts) as table
select
    local_date(mql_at) as mql_date,
    segment,
    region,
    source,
    least(attempt_count, 10) as attempt_count,
    is_accepted,
    rejection_reason = 'unable_to_reach' as is_unable_to_reach,
    count(*) as mql_count,
from query_table(facts)
where mql_at is not null
    and attempt_count is not null
group by all;
create or replace view attempts_daily_live as from attempts_daily_of('lead_facts');

create macro evidence_daily_of(facts) as table
with
lead_revenue as (
    select o.lead_id, sum(r.amount_eur)::double as revenue_eur
    from revenue r
    join opportunities o on o.opportunity_id = r.opportunity_id
    where o.lead_id in (select lead_id from query_table(facts))  -- these leads' revenue alone
    group by o.lead_id
)
select
    local_date(f.mql_at) as mql_date,
    f.segment,
    f.region,
    f.source,
    coalesce(f.campaign_id::varchar, 'none') as campaign,
    f.score_band,
    case
        when f.first_touch_hours is null then 'never'
        when f.first_touch_hours <= coalesce(f.first_touch_sla_hours, 24) then 'on_time'
        else 'late'
    end as worked,
    count(*) as mql_count,
    count(case when f.is_won then 1 end) as won_count,
    coalesce(sum(case when f.is_won then r.revenue_eur end), 0) as won_revenue_eur,
    count(case when f.is_won then r.revenue_eur end) as won_with_revenue_count,
    count(f.lead_score) as scored_count,
    coalesce(sum(f.lead_score), 0)::double as score_sum,
    coalesce(sum(f.lead_score * f.lead_score), 0)::double as score_square_sum,
from query_table(facts) f
left join lead_revenue r on r.lead_id = f.lead_id
where f.mql_at is not null
group by all;
create or replace view evidence_daily_live as from evidence_daily_of('lead_facts');
