-- one row per person in sales or marketing active on $day: who can own an action or rate a campaign
-- parameters: $day (date)
select rep_id, rep_name, function, role, team
from reps
where (active_from_date is null or active_from_date <= $day::date)
    and (active_to_date is null or active_to_date >= $day::date)
order by function, rep_name
