-- one row per rep: the names an SLA-breach alert may reach, their function, and who heads which team
-- parameters: none
select rep_name, function, role, team
from reps
order by rep_name;
