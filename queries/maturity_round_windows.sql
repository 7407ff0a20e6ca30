-- one row per self-assessment round, oldest first, with the day its evidence window ends: the day it
-- closed (null while open: the window then ends at the newest lead)
-- parameters: none
select
    round_id,
    opened_at,
    closed_at,
    closed_at::date as window_end_date,
from assessment_rounds
order by opened_at, round_id
