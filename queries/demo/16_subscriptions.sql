-- one row per demo subscription: the weekly digest to the two teams' lists, and SLA-breach alerts for the sales reps
-- and their head (each at first.last@example.com), the leads of reps without an address to sales operations (the
-- leads without an owner go to the lead desk the agreement names); made a month before
-- the demo's end, so a `send --dry-run` on a fresh demo writes this week's digest and today's alerts
-- parameters: none (reads demo_settings and reps)
insert into subscriptions (subscription_id, kind, channel, recipients, weekday, hour, created_by, created_at)
select 1, 'digest', 'email', ['leadership@example.com', 'sales-team@example.com', 'marketing-team@example.com'],
       0, 8, 'Demo', s.as_of - interval 30 day
from demo_settings s
union all
select 2, 'sla_breach', 'email', ['sales-ops@example.com'], null, 8, 'Demo', s.as_of - interval 30 day
from demo_settings s;

-- the sales reps who own leads, and the head of sales; a name two reps share reaches one address
insert into subscription_people (subscription_id, person, address)
select 2, rep_name,
       lower(regexp_replace(strip_accents(rep_name), '[^A-Za-z ]', '', 'g').replace(' ', '.')) || '@example.com'
from reps
where function = 'sales'
group by rep_name;

-- the sequence is past the demo's own ids, so a subscription added later takes the next one
select nextval('subscription_id_seq') from range(2);
