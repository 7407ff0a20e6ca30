-- set each agreement version's targets a little above what the months after it delivered,
-- as a team sets a stretch goal; only the integrated profile agrees on a shared revenue target
update agreements as a
set
    monthly_mql_target = (
        select round(1.08 * count(*) / greatest(1, datediff('day', a.effective_date,
            coalesce(p.next_effective_date, s.as_of::date)) / 30.4), -1)::integer
        from leads l
        where l.mql_at >= a.effective_date
            and (p.next_effective_date is null or l.mql_at < p.next_effective_date)
    ),
    monthly_revenue_target_eur = case when s.profile = 'integrated' then (
        select round(1.1 * sum(r.amount_eur) / greatest(1, datediff('day', a.effective_date,
            coalesce(p.next_effective_date, s.as_of::date)) / 30.4), -3)
        from revenue r
        where r.booked_date >= a.effective_date
            and (p.next_effective_date is null or r.booked_date < p.next_effective_date)
    ) end
from agreement_periods p, demo_settings s
where p.effective_date = a.effective_date;
