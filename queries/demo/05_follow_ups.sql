-- one row per sales touch: the attempts up to the first contact, then a discovery meeting for SQLs
insert into follow_ups
with attempts as (
    select
        f.lead_id,
        a.attempt,
        plus_hours(f.first_touch_at, a.attempt * f.gap_hours) as touched_at,
        f.is_connected and a.attempt = f.connect_index as is_contact,
        -- calls first, then a mix: the rep's own habit decides each later attempt
        case
            when a.attempt = 0 and u01(f.lead_id, 40, s.seed) < 0.65 then 'call'
            when a.attempt = 0 then 'email'
            when u01(f.lead_id * 16 + a.attempt, 41, s.seed) < 0.55 then 'call'
            else 'email'
        end as channel,
        u01(f.lead_id * 16 + a.attempt, 42, s.seed) as outcome_draw,
        f.region,
        f.sdr_slot,
    from demo_lead_facts f
    cross join demo_settings s
    cross join unnest(range(f.attempts_made)) a(attempt)
    where f.first_touch_at is not null
),
meetings as (
    select
        f.lead_id,
        15 as attempt,
        f.sql_at - interval 2 hour as touched_at,
        true as is_contact,
        'meeting' as channel,
        0.0 as outcome_draw,
        f.region,
        f.sdr_slot,
    from demo_lead_facts f
    where f.sql_at is not null
),
later as (
    -- keeping in touch after sales decided, only when asked for (the benchmark's heavy-touch warehouses):
    -- a day or more after everything else, so no lead fact but its touch count changes
    select
        f.lead_id,
        16 + k.n as attempt,
        plus_hours(greatest(f.first_touch_at, f.decided_at, f.sql_at, f.closed_at), 24 * (k.n + 1) * (1 + f.gap_hours))
            as touched_at,
        false as is_contact,
        'email' as channel,
        1.0 as outcome_draw,
        f.region,
        f.sdr_slot,
    from demo_lead_facts f
    cross join demo_settings s
    cross join unnest(range(floor(u01(f.lead_id, 43, s.seed) * (2 * s.later_touches + 1))::bigint)) k(n)
    where f.first_touch_at is not null and s.later_touches > 0
),
touches as (
    select * from attempts
    union all
    select * from meetings
    union all
    select * from later
)
select
    -- attempts 0-14, the meeting 15, later touches from 16
    case when t.attempt < 16 then t.lead_id * 16 + t.attempt
        else 1000000000000 + t.lead_id * 1024 + t.attempt end as follow_up_id,
    t.lead_id,
    r.rep_id,
    t.touched_at,
    t.channel,
    case
        when t.channel = 'meeting' then 'meeting_held'
        when t.is_contact and t.channel = 'call' then 'connected'
        when t.is_contact then 'replied'
        when t.channel = 'call' and t.outcome_draw < 0.6 then 'no_answer'
        when t.channel = 'call' then 'voicemail'
        else 'no_reply'
    end as outcome,
from touches t
cross join demo_settings s
left join demo_rep_slots r on r.role = 'sdr' and r.region = t.region and r.slot = t.sdr_slot
where t.touched_at <= s.as_of;
