-- one row inserted into agreements: a new version of the joint agreement (versions are only ever added)
-- parameters: $effective_date, $mql_score_threshold, $first_touch_sla_hours, $min_attempts, $monthly_mql_target,
-- $monthly_revenue_target_eur, $recycle_days (null = not agreed), $changed_by, $changed_at (UTC), $note,
-- $unowned_leads_to (the address the MQLs without an owner go to; null = nobody named)
insert into agreements (
    effective_date, mql_score_threshold, first_touch_sla_hours, min_attempts,
    monthly_mql_target, monthly_revenue_target_eur, recycle_days, changed_by, changed_at, note, unowned_leads_to
)
values (
    $effective_date, $mql_score_threshold, $first_touch_sla_hours, $min_attempts,
    $monthly_mql_target, $monthly_revenue_target_eur, $recycle_days, $changed_by, $changed_at, $note,
    $unowned_leads_to
)
