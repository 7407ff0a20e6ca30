-- one row per demo answer: each respondent rates the 20 statements around the profile's band
-- (undefined ~30, defined ~50, aligned ~70, integrated ~88 out of 100); sales rates communication and
-- feedback lower than marketing does, heads rate higher than staff, the earlier round a little lower
-- parameters: $statement_ids and $subscales (the questionnaire, in order; reads demo_settings)
insert into assessment_answers (response_id, statement_id, rating)
with statements as (
    select
        unnest($statement_ids::varchar[]) as statement_id,
        unnest($subscales::varchar[]) as subscale
),
rounds as (
    select
        round_id,
        row_number() over (order by opened_at desc) - 1 as rounds_ago
    from assessment_rounds
),
centre as (
    select
        s.seed,
        s.profile,
        case s.profile
            when 'undefined' then 1.55 when 'defined' then 2.5 when 'aligned' then 3.5 else 4.45
        end as mean_rating
    from demo_settings s
),
respondents as (
    select
        r.response_id,
        r.function,
        r.level,
        o.rounds_ago,
        -- the same people answer every round: the n-th marketing head is one person
        0.35 * nrm(hash(r.function, r.level, row_number() over (
            partition by r.round_id, r.function, r.level order by r.response_id), c.profile), 130, c.seed)
            as person_effect
    from assessment_responses r
    join rounds o on o.round_id = r.round_id
    cross join centre c
),
draws as (
    select
        p.response_id,
        t.statement_id,
        c.mean_rating
            + p.person_effect
            + case p.level when 'head' then 0.3 else -0.05 end
            + case
                when p.function = 'sales' and t.subscale in ('communication', 'feedback') then -0.55
                when p.function = 'sales' then 0.1
                when p.function = 'marketing' and t.subscale = 'metrics' then -0.2
                when p.function = 'marketing' then 0.2
                else 0
            end
            - 0.25 * p.rounds_ago
            + 0.55 * nrm(hash(p.response_id, t.statement_id, c.profile), 131, c.seed) as raw_rating
    from respondents p
    cross join statements t
    cross join centre c
)
select
    response_id,
    statement_id,
    least(5, greatest(1, round(raw_rating)))::integer,
from draws;
