-- one row per number of attempts (10 stands for 10 or more) among the period's MQLs that sales has
-- accepted or rejected: how many were decided after that many touches, and how
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
counted as (
    select
        f.lead_id,
        case when f.accepted_at is not null then 'accepted' else 'rejected' end as disposition,
        f.rejection_reason,
        least(f.attempt_count, 10) as attempt_count,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and f.attempt_count is not null
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or f.source = $source)
),
final as (
    select
        attempt_count,
        count(*) as disposed_count,
        count(case when disposition = 'accepted' then 1 end) as accepted_count,
        count(case when disposition = 'rejected' and rejection_reason = 'unable_to_reach' then 1 end)
            as unable_to_reach_count,
        count(case when disposition = 'rejected' and rejection_reason is distinct from 'unable_to_reach' then 1 end)
            as other_rejected_count,
    from counted
    group by attempt_count
)
select * from final
order by attempt_count
