-- one row per group of respondents in a round (each function, each level, each function and level):
-- how many answered and their mean total (20-100), null when fewer than $min_group_size answered
-- parameters: $round_id, $min_group_size
with totals as (
    select
        r.response_id,
        r.function,
        r.level,
        sum(a.rating) as total
    from assessment_responses r
    join assessment_answers a on a.response_id = r.response_id
    where r.round_id = $round_id
    group by r.response_id, r.function, r.level
),

grouped as (
    select 'function' as grouping, function as function, null as level, count(*) as n, avg(total) as mean_total
    from totals group by function
    union all
    select 'level', null, level, count(*), avg(total)
    from totals group by level
    union all
    select 'function and level', function, level, count(*), avg(total)
    from totals group by function, level
),

final as (
    select
        grouping,
        function,
        level,
        n as respondent_count,
        case when n >= $min_group_size then mean_total end as mean_total,
        n >= $min_group_size as is_shown
    from grouped
)

select * from final
order by
    case grouping when 'function' then 1 when 'level' then 2 else 3 end,
    case function when 'marketing' then 1 when 'sales' then 2 else 3 end,
    case level when 'head' then 1 else 2 end
