-- one row: how many leads became MQLs on or after $since, counted from its midnight UTC as
-- agreement_periods and lead_facts assign MQLs to versions (the MQLs a version from $since would judge)
-- parameters: $since (date)
select count(*) as mql_count
from leads
where mql_at >= $since::date
