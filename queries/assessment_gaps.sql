-- one row per statement ($grain = 'statement') or per sub-scale ($grain = 'subscale') in a round: mean
-- rating (1-5) of marketing, sales, heads and staff, their respondent counts, and the gaps between them
-- parameters: $round_id, $grain, $min_group_size, $statement_ids and $subscales (the questionnaire, in order)
-- Heads and staff are those of marketing and sales; a mean is null when its group has fewer than
-- $min_group_size respondents, so no one's answers can be read from it.
with statements as (
    -- the two lists read side by side by position (one unnest each would be crossed, not zipped, on Spark)
    select
        ($statement_ids::varchar[])[position] as statement_id,
        ($subscales::varchar[])[position] as subscale,
        position
    from (select unnest(range(1, array_length($statement_ids::varchar[]) + 1)) as position)
),

items as (
    -- a sub-scale sits where its first statement does
    select
        case when $grain = 'subscale' then null else statement_id end as statement_id,
        subscale,
        min(position) as position
    from statements
    group by case when $grain = 'subscale' then null else statement_id end, subscale
),

answers as (
    select
        r.response_id,
        r.function,
        r.level,
        case when $grain = 'subscale' then null else a.statement_id end as statement_id,
        s.subscale,
        a.rating
    from assessment_responses r
    join assessment_answers a on a.response_id = r.response_id
    join statements s on s.statement_id = a.statement_id
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
        subscale,
        avg(case when function = 'marketing' then rating end) as marketing_mean,
        avg(case when function = 'sales' then rating end) as sales_mean,
        avg(case when level = 'head' then rating end) as head_mean,
        avg(case when level = 'staff' then rating end) as staff_mean
    from answers
    group by statement_id, subscale
),

shown as (
    select
        i.position,
        i.subscale,
        i.statement_id,
        c.marketing_count,
        case when c.marketing_count >= $min_group_size then m.marketing_mean end as marketing_mean,
        c.sales_count,
        case when c.sales_count >= $min_group_size then m.sales_mean end as sales_mean,
        c.head_count,
        case when c.head_count >= $min_group_size then m.head_mean end as head_mean,
        c.staff_count,
        case when c.staff_count >= $min_group_size then m.staff_mean end as staff_mean
    from items i
    cross join counts c
    left join means m
        on m.subscale = i.subscale
        and m.statement_id is not distinct from i.statement_id
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
