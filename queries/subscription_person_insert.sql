-- one row inserted into subscription_people: a person an SLA-breach alert reaches by name, and their address
-- parameters: $subscription_id, $person (as reps.rep_name), $address
insert into subscription_people (subscription_id, person, address)
values ($subscription_id, $person, $address);
