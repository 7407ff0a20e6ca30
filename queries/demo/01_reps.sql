-- one row per rep: the two heads, marketers by team, and SDRs and account executives per region
create or replace temp table demo_regions as
select * from (values
    (0, 'DACH', 30), (1, 'UK & Ireland', 25), (2, 'Benelux', 15), (3, 'Nordics', 15), (4, 'Southern Europe', 15)
) t(region_index, region, share_percent);

create or replace temp table demo_rep_slots as
with first_names as (
    select ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Katrin',
            'Lars', 'Mia', 'Noah', 'Olivia', 'Paul', 'Rosa', 'Sven', 'Tara', 'Umar', 'Vera', 'Wim',
            'Xenia', 'Yusuf', 'Zoe', 'Amelie', 'Bruno', 'Chloe', 'Diego', 'Elif'] as names
),
last_names as (
    select ['Schmidt', 'Murphy', 'de Vries', 'Larsen', 'Rossi', 'Keller', 'Walsh', 'Janssen', 'Nilsson',
            'Garcia', 'Weber', 'Byrne', 'Peeters', 'Berg', 'Romano', 'Fischer', 'Kelly', 'Smit', 'Lund',
            'Silva', 'Wagner', 'Doyle', 'Mertens', 'Dahl', 'Costa', 'Braun', 'Ryan', 'Bakker', 'Holm',
            'Moreau'] as names
),
slots as (
    select 'marketing' as function, 'head' as role, 'Marketing leadership' as team, null as region, 0 as slot
    union all
    select 'sales', 'head', 'Sales leadership', null, 0
    union all
    select
        'marketing',
        'marketer',
        ['Demand generation', 'Content', 'Events', 'Marketing operations'][1 + (m % 4)],
        null,
        m
    from demo_settings s, range(s.marketer_count) r(m)
    union all
    select 'sales', 'sdr', r.region || ' SDR', r.region, j
    from demo_settings s, demo_regions r, range(s.sdrs_per_region) j(j)
    union all
    select 'sales', 'account_executive', r.region || ' AE', r.region, j
    from demo_settings s, demo_regions r, range(s.aes_per_region) j(j)
),
numbered as (
    select
        row_number() over (order by role <> 'head', function, role, region, slot)::integer as rep_id,
        *
    from slots
)
select
    n.rep_id,
    f.names[1 + (hash(n.rep_id, 1, s.seed) % 30)::integer]
        || ' ' || l.names[1 + (hash(n.rep_id, 2, s.seed) % 30)::integer] as rep_name,
    n.function,
    n.role,
    n.team,
    n.region,
    n.slot,
    (s.start_at - to_days((u01(n.rep_id, 3, s.seed) * 900)::integer))::date as active_from_date,
from numbered n, first_names f, last_names l, demo_settings s;

insert into reps
select rep_id, rep_name, function, role, team, region, active_from_date, null as active_to_date
from demo_rep_slots;
