-- one row per self-assessment round, oldest first, with how many people answered in it
-- parameters: none
with responses as (
    select
        round_id,
        count(*) as respondent_count
    from assessment_responses
    group by round_id
),

final as (
    select
        r.round_id,
        r.opened_at,
        r.closed_at,
        coalesce(s.respondent_count, 0) as respondent_count
    from assessment_rounds r
    left join responses s on s.round_id = r.round_id
)

select * from final
order by opened_at, round_id
