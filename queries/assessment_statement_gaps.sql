-- one row per statement in a round: mean rating (1-5) of marketing, sales, heads and staff, counts, gaps
-- parameters: $round_id, $min_group_size, $statement_ids and $subscales (the questionnaire, in order)
-- Heads and staff are those of marketing and sales; a mean is null when its group has fewer than
-- $min_group_size respondents, so no one's answers can be read from it.
with statements as (
    select
        unnest($statement_ids::varchar[]) as statement_id,
        unnest($subscales::varchar[]) as subscale,
        unnest(range(1, len($statement_ids::varchar[]) + 1)) as position
),

answers as (
    select
        r.response_id,
        r.function,
        r.level,
        a.statement_id,
        a.rating
    from assessment_responses r
    join assessment_answers a on a.response_id = r.response_id
    where r.round_id = $round_id
        and r.function in ('marketing', 'sales')
),

counts as (
    select
        count(distinct case when function = 'marketing' then response_id end) as marketing_count,
        count(distinct case when function = 'sales' then response_id end) as sales_count,
        count(distinct case when level = 'head' then response_id end) as head_count,
        count(distinct case when level = 'staff' then response_id end) as staff_count
    from answers
),

means as (
    select
        statement_id,
        avg(case when function = 'marketing' then rating end) as marketing_mean,
        avg(case when function = 'sales' then rating end) as sales_mean,
        avg(case when level = 'head' then rating end) as head_mean,
        avg(case when level = 'staff' then rating end) as staff_mean
    from answers
    group by statement_id
),

shown as (
    select
        s.position,
        s.subscale,
        s.statement_id,
        c.marketing_count,
        case when c.marketing_count >= $min_group_size then m.marketing_mean end as marketing_mean,
        c.sales_count,
        case when c.sales_count >= $min_group_size then m.sales_mean end as sales_mean,
        c.head_count,
        case when c.head_count >= $min_group_size then m.head_mean end as head_mean,
        c.staff_count,
        case when c.staff_count >= $min_group_size then m.staff_mean end as staff_mean
    from statements s
    cross join counts c
    left join means m on m.statement_id = s.statement_id
),

final as (
    select
        *,
        marketing_mean - sales_mean as function_gap,
        head_mean - staff_mean as level_gap
    from shown
)

select * from final
order by position
