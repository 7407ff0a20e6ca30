-- one to three actions per weekly joint meeting held; the profile decides how many weeks had one
insert into meeting_actions (title, owner, owner_function, due_date, status, created_at, created_by, closed_at)
with weeks as (
    select unnest(range(0, 26)) as weeks_ago
),
meetings as (
    select
        w.weeks_ago,
        date_trunc('week', s.as_of) - to_weeks(w.weeks_ago::integer) + interval 9 hour as held_at,
    from weeks w, demo_settings s
    where u01(w.weeks_ago, 80, s.seed) < s.action_week_share
),
actions as (
    select
        m.held_at,
        a.n,
        (hash(m.weeks_ago, a.n, 81, s.seed) % 6)::integer as pick,
    from meetings m, demo_settings s, range(1 + (hash(m.weeks_ago, 82, s.seed) % 3)::integer) a(n)
),
templates as (
    select * from (values
        (0, 'Review rejected leads from the latest webinar', 'marketing'),
        (1, 'Call back MQLs waiting past the SLA', 'sales'),
        (2, 'Agree the reason list for rejections', 'joint'),
        (3, 'Share the account list for the roadshow', 'sales'),
        (4, 'Fix the lead routing delay in the CRM sync', 'marketing'),
        (5, 'Plan the post-mortem of last quarter''s campaigns', 'joint')
    ) t(pick, title, owner_function)
)
select
    t.title,
    case t.owner_function when 'joint' then 'Both heads' else
        (select rep_name from reps r where r.function = t.owner_function and r.role = 'head') end,
    t.owner_function,
    (a.held_at + interval 7 day)::date,
    case when a.held_at + interval 10 day < s.as_of then 'done' else 'open' end,
    a.held_at,
    'Weekly joint meeting',
    case when a.held_at + interval 10 day < s.as_of then a.held_at + interval 6 day end,
from actions a
join templates t on t.pick = a.pick
cross join demo_settings s;
