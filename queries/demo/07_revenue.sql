-- one row per booking: won deals book at close; enterprise-sized deals book in two halves 90 days apart
insert into revenue
with won as (
    select opportunity_id, closed_date, amount_eur
    from opportunities
    where is_won
),
bookings as (
    select opportunity_id * 2 as revenue_id, opportunity_id, closed_date as booked_date,
        case when amount_eur >= 60000 then amount_eur / 2 else amount_eur end as amount_eur,
    from won
    union all
    select opportunity_id * 2 + 1, opportunity_id, closed_date + 90, amount_eur - amount_eur / 2,
    from won
    where amount_eur >= 60000
)
select b.*
from bookings b, demo_settings s
where b.booked_date <= s.as_of::date;
