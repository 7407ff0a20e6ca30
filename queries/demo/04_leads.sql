-- one row per lead, as a CRM would hold it today: stages reached so far, the owner, the status
insert into leads by name
select
    f.lead_id,
    f.created_at,
    f.source,
    f.sourced_by,
    f.campaign_id,
    f.segment,
    f.region,
    f.lead_score,
    f.mql_at,
    case when f.is_handoff_recorded then f.assigned_at end as assigned_at,
    case when f.assigned_at is not null then sdr.rep_id end as owner_rep_id,
    case when f.decision = 'accept' then f.decided_at end as accepted_at,
    case when f.decision <> 'accept' then f.decided_at end as rejected_at,
    case
        when f.decision = 'accept' or f.decided_at is null or not f.has_reason then null
        when f.decision = 'unreachable' then 'unable_to_reach'
        when f.decision = 'reject_unworked' then f.reason_if_unworked
        else f.reason_if_worked
    end as rejection_reason,
    f.sql_at,
    f.opportunity_at,
    case
        when f.closed_at is not null and f.would_win then 'won'
        when f.closed_at is not null then 'lost'
        when f.opportunity_at is not null then 'opportunity'
        when f.sql_at is not null then 'sql'
        when f.decision = 'accept' and f.decided_at is not null and not f.becomes_sql
            and f.decided_at + interval 21 day <= s.as_of then 'disqualified'
        when f.decision = 'accept' and f.decided_at is not null then 'sal'
        when f.decided_at is not null then 'rejected'
        when f.mql_at is not null then 'mql'
        else 'inquiry'
    end as status,
from demo_lead_facts f
cross join demo_settings s
left join demo_rep_slots sdr
    on sdr.role = 'sdr' and sdr.region = f.region and sdr.slot = f.sdr_slot;
