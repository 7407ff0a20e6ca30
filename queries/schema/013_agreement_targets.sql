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
