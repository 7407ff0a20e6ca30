-- one row (or none before the first agreement): the joint agreement in force on $day
-- parameters: $day (date)
select *
from agreement_periods
where effective_date <= $day::date
    and (next_effective_date is null or $day::date < next_effective_date)
