-- one row per demo respondent per round: 6 in marketing (2 heads or team leads), 10 in sales (2 heads or
-- team leads) and 1 from another function, answering in the round's first weeks, never after the as-of time
-- parameters: $questionnaire_version (reads demo_settings and assessment_rounds)
insert into assessment_responses (round_id, questionnaire_version, function, level, submitted_at)
with people as (
    select * from (values
        ('marketing', 'head', 2), ('marketing', 'staff', 4),
        ('sales', 'head', 2), ('sales', 'staff', 8),
        ('other', 'staff', 1)
    ) p(function, level, how_many)
),
respondents as (
    select
        r.round_id,
        r.opened_at,
        p.function,
        p.level,
        n.i,
    from assessment_rounds r, people p, range(p.how_many) n(i)
)
select
    x.round_id,
    $questionnaire_version,
    x.function,
    x.level,
    least(
        s.as_of - interval 1 hour,
        plus_hours(x.opened_at, 24 * 21 * u01(hash(x.round_id, x.function, x.level, x.i), 120, s.seed))
    ),
from respondents x, demo_settings s
order by x.round_id, x.function, x.level, x.i;
