-- one row per demo self-assessment round: the as-of quarter's, and the one before it, now closed
-- parameters: none (reads demo_settings)
insert into assessment_rounds (round_id, opened_at, closed_at)
with quarters as (
    select
        q.quarters_ago,
        date_trunc('quarter', s.as_of) - to_months(3 * q.quarters_ago) as quarter_start,
    from demo_settings s, (values (0), (1)) q(quarters_ago)
)
select
    year(quarter_start)::varchar || ' Q' || quarter(quarter_start)::varchar,
    quarter_start + interval 2 day,
    case when quarters_ago > 0 then quarter_start + interval 3 month end,
from quarters;
