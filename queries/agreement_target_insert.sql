-- one row inserted into agreement_targets: a monthly target a version agrees for a region and/or a segment
-- parameters: $effective_date (the version's), $region, $segment (null = every), $monthly_mql_target,
-- $monthly_revenue_target_eur (null = not agreed)
insert into agreement_targets (effective_date, region, segment, monthly_mql_target, monthly_revenue_target_eur)
values ($effective_date, $region, $segment, $monthly_mql_target, $monthly_revenue_target_eur)
