-- one row per version of the joint agreement, newest first, with the day it stopped holding
-- parameters: none
select
    effective_date,
    next_effective_date as superseded_date,
    mql_score_threshold,
    first_touch_sla_hours,
    min_attempts,
    monthly_mql_target,
    monthly_revenue_target_eur::double as monthly_revenue_target_eur,
    recycle_days,
    changed_by,
    changed_at,
    note,
    unowned_leads_to,
from agreement_periods
order by effective_date desc
