-- Schema version 13: monthly targets agreed for a region, a segment or both, beside the whole organisation's
-- (agreements.monthly_mql_target and monthly_revenue_target_eur).
-- A target belongs to the agreement version of its effective_date and holds as long as that version does:
-- a newer version carries only the targets recorded with it, as it carries only its own terms.

create table agreement_targets (
    effective_date date not null,
    region varchar,  -- null: every region
    segment varchar,  -- null: every segment
    monthly_mql_target integer check (monthly_mql_target >= 0),
    monthly_revenue_target_eur decimal(14, 2) check (monthly_revenue_target_eur >= 0),
    check (region is not null or segment is not null),
    check (monthly_mql_target is not null or monthly_revenue_target_eur is not null)
);
-- one target per version and region/segment pair (a null is "every", so it takes part in the key)
create unique index agreement_targets_scope on agreement_targets
    (effective_date, coalesce(region, ''), coalesce(segment, ''));

-- The monthly targets each agreement version holds for one view, with the days it is in force: the whole
-- organisation's when no region or segment is chosen, else the one agreed for exactly that region and segment, and
-- none under a source filter (no target is agreed per source). kpi_mql_cohort, kpi_revenue and pipeline_coverage
-- all pick their targets here, so a view's target is chosen one way.
create macro targets_in_force(for_region, for_segment, for_source) as table
select
    a.effective_date,
    a.next_effective_date,
    case
        when for_source is not null then null
        when for_region is null and for_segment is null then a.monthly_mql_target
        else t.monthly_mql_target
    end as monthly_mql_target,
    case
        when for_source is not null then null
        when for_region is null and for_segment is null then a.monthly_revenue_target_eur
        else t.monthly_revenue_target_eur
    end as monthly_revenue_target_eur,
from agreement_periods a
left join agreement_targets t
    on t.effective_date = a.effective_date
    and t.region is not distinct from for_region
    and t.segment is not distinct from for_segment;
