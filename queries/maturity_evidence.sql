-- one row: the evidence of practice the stage criteria read that no KPI query holds: the joint
-- agreement in force at the end of the window, hand-offs recorded, and weeks with meeting actions
-- parameters: $start, $end (dates, end exclusive: the evaluation window)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
in_force as (
    -- the agreement version holding on the window's last day
    select
        mql_score_threshold,
        first_touch_sla_hours,
        monthly_revenue_target_eur,
    from agreement_periods
    where effective_date <= $end::date - 1
        and (next_effective_date is null or next_effective_date > $end::date - 1)
),
agreement as (
    select
        count(case when mql_score_threshold is not null and first_touch_sla_hours is not null then 1 end)
            as written_agreement_count,
        count(case when monthly_revenue_target_eur > 0 then 1 end) as revenue_target_count,
    from in_force
),
handoffs as (
    select
        count(*) as mql_count,
        count(assigned_at) as handoff_recorded_count,
    from leads
    where mql_at >= $start_at
        and mql_at < $end_at
),
recent_weeks as (
    -- the eight whole weeks (Monday to Sunday) before the week the window ends in
    select unnest(range(
        date_trunc('week', $end::date - 1) - interval 56 day,
        date_trunc('week', $end::date - 1),
        interval 7 day
    )) as week_start
),
action_weeks as (
    select count(distinct w.week_start) as action_week_count,
    from recent_weeks w
    join meeting_actions m
        on m.created_at >= w.week_start
        and m.created_at < w.week_start + interval 7 day
),
final as (
    select
        (a.written_agreement_count > 0)::integer as has_written_agreement,
        (a.revenue_target_count > 0)::integer as has_shared_revenue_target,
        h.mql_count,
        h.handoff_recorded_count,
        (h.handoff_recorded_count / nullif(h.mql_count, 0))::double as handoff_recorded_rate,
        (select count(*) from recent_weeks) as recent_week_count,
        w.action_week_count,
    from agreement a, handoffs h, action_weeks w
)
select * from final
