-- one row per target a version agreed for a region and/or a segment, newest version first
-- parameters: none
select
    t.effective_date,
    p.next_effective_date as superseded_date,
    t.region,
    t.segment,
    t.monthly_mql_target,
    t.monthly_revenue_target_eur::double as monthly_revenue_target_eur,
from agreement_targets t
join agreement_periods p on p.effective_date = t.effective_date
order by t.effective_date desc, t.region nulls first, t.segment nulls first
