-- one row per person an SLA-breach alert reaches by name, with their address
-- parameters: none
select subscription_id, person, address
from subscription_people
order by subscription_id, person;
