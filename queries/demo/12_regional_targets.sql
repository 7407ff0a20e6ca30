-- one row per agreement version and each of a few regions and one segment: their own monthly targets, a
-- little above what the months after the version delivered there; the other regions have none agreed, so the
-- demo shows both a regional target and a region without one. Revenue targets only where the profile agrees a
-- shared one (integrated), as in 12_targets
insert into agreement_targets (effective_date, region, segment, monthly_mql_target, monthly_revenue_target_eur)
with
scopes as (
    select * from (values ('DACH', null), ('UK & Ireland', null), (null, 'Enterprise')) t(region, segment)
),
spans as (
    select
        p.effective_date,
        p.next_effective_date,
        greatest(1, datediff('day', p.effective_date, coalesce(p.next_effective_date, s.as_of::date)) / 30.4)
            as months,
        s.profile,
    from agreement_periods p
    cross join demo_settings s
)
select
    v.effective_date,
    g.region,
    g.segment,
    (select round(1.08 * count(*) / v.months, -1)::integer
     from leads l
     where l.mql_at >= v.effective_date
        and (v.next_effective_date is null or l.mql_at < v.next_effective_date)
        and (g.region is null or l.region = g.region)
        and (g.segment is null or l.segment = g.segment)) as monthly_mql_target,
    case when v.profile = 'integrated' then (
        select round(1.1 * sum(r.amount_eur) / v.months, -3)
        from revenue r
        join opportunities o on o.opportunity_id = r.opportunity_id
        join leads l on l.lead_id = o.lead_id
        where r.booked_date >= v.effective_date
            and (v.next_effective_date is null or r.booked_date < v.next_effective_date)
            and (g.region is null or l.region = g.region)
            and (g.segment is null or l.segment = g.segment)
    ) end as monthly_revenue_target_eur,
from spans v
cross join scopes g
order by all
