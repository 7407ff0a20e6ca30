-- one row per version of the joint agreement the profile has; targets are set after the leads exist
insert into agreements (
    effective_date, mql_score_threshold, first_touch_sla_hours, min_attempts, recycle_days,
    changed_by, changed_at, note, unowned_leads_to
)
with versions as (
    -- from Aligned on, the teams agree when an MQL left without progress is recycled
    select * from (values
        ('defined', 0, 55, 48.0, 3, null, 'First written lead definition and follow-up SLA'),
        ('aligned', 0, 55, 24.0, 4, 120, 'Lead definition and SLA agreed in the joint planning day'),
        ('aligned', 12, 58, 24.0, 5, 120, 'Threshold raised after the rejection review'),
        ('integrated', 0, 60, 8.0, 5, 120, 'Joint agreement with a shared revenue target'),
        ('integrated', 9, 62, 4.0, 6, 120, 'SLA tightened to 4 hours after the decay-curve review'),
        ('integrated', 18, 62, 4.0, 6, 120, 'Targets reset for the new fiscal year')
    ) t(profile, month_offset, mql_score_threshold, first_touch_sla_hours, min_attempts, recycle_days, note)
)
select
    (s.start_at + to_months(v.month_offset))::date,
    v.mql_score_threshold,
    v.first_touch_sla_hours,
    v.min_attempts,
    v.recycle_days,
    'Heads of sales and marketing',
    s.start_at + to_months(v.month_offset) - interval 3 day,
    v.note,
    'lead-desk@example.com',  -- who takes the MQLs without an owner
from versions v
join demo_settings s on s.profile = v.profile;
