-- one row per self-assessment round: respondents and mean total (20-100) per function and the organisation's score
-- parameters: $min_group_size
-- The score is the mean of the marketing and the sales means, weighted equally ('other' is shown but does
-- not enter it); a mean is null when its group has fewer than $min_group_size respondents.
with totals as (
    select
        r.round_id,
        r.function,
        sum(a.rating) as total
    from assessment_responses r
    join assessment_answers a on a.response_id = r.response_id
    group by r.response_id, r.round_id, r.function
),

by_function as (
    select
        round_id,
        sum(case when function = 'marketing' then 1 else 0 end) as marketing_count,
        avg(case when function = 'marketing' then total end) as marketing_total,
        sum(case when function = 'sales' then 1 else 0 end) as sales_count,
        avg(case when function = 'sales' then total end) as sales_total,
        sum(case when function = 'other' then 1 else 0 end) as other_count,
        avg(case when function = 'other' then total end) as other_total,
        count(*) as respondent_count
    from totals
    group by round_id
),

final as (
    select
        r.round_id,
        r.opened_at,
        coalesce(f.respondent_count, 0) as respondent_count,
        coalesce(f.marketing_count, 0) as marketing_count,
        case when f.marketing_count >= $min_group_size then f.marketing_total end as marketing_mean_total,
        coalesce(f.sales_count, 0) as sales_count,
        case when f.sales_count >= $min_group_size then f.sales_total end as sales_mean_total,
        coalesce(f.other_count, 0) as other_count,
        case when f.other_count >= $min_group_size then f.other_total end as other_mean_total,
        case
            when f.marketing_count >= $min_group_size and f.sales_count >= $min_group_size
                then (f.marketing_total + f.sales_total) / 2
        end as organisation_score
    from assessment_rounds r
    left join by_function f on f.round_id = r.round_id
)

select * from final
order by opened_at, round_id
