-- one row: an earlier period's MQLs and how many were won by the age the current period has now (MQL to won at equal age)
-- parameters: $start, $end (the earlier period, dates, end exclusive), $start_at, $end_at (the same two days'
-- midnight in the organisation's time zone, as UTC timestamps), $current_end (the current period's end, exclusive),
-- $segment, $region, $source (null = all), $now (timestamp)
-- A cohort rate rises as its leads age, so an older period always looks better: the earlier period is read as it
-- stood as many days after its own end as the current one is now after its end. "Now" is the newest moment the
-- warehouse holds (data_as_of; an export judged later reads as it did the day it was taken), or $now if earlier.
-- A win is dated by lead_facts.won_date (the won deal's close date, or the lead's own won_at); a win without a
-- date cannot be placed before or after that age, so the rate is not given (null) when the earlier period has one,
-- and neither when the current period runs past "now" (its own MQLs are not all in yet).
with
clock as (
    select
        local_date(least(coalesce((select as_of from data_as_of), $now::timestamp), $now::timestamp)) as as_of_date,
),
age as (
    select
        as_of_date,
        date_diff('day', $current_end::date - 1, as_of_date)::integer as age_days,
        ($end::date - 1) + date_diff('day', $current_end::date - 1, as_of_date)::integer as won_by_date,
    from clock
),
cohort as (
    select f.is_won, f.won_date
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
counted as (
    select
        count(*) as mql_count,
        count(case when c.is_won and c.won_date <= a.won_by_date then 1 end) as won_count,
        count(case when c.is_won and c.won_date is null then 1 end) as undated_won_count,
    from age a
    left join cohort c on true
)
select
    a.as_of_date,
    a.age_days,
    a.won_by_date,
    n.mql_count,
    n.won_count,
    n.undated_won_count,
    case when a.age_days >= 0 and n.undated_won_count = 0 and e.outcome_record_count > 0
        then n.won_count / nullif(n.mql_count, 0) end as mql_to_won_rate,
from age a
cross join counted n
cross join stage_evidence e
