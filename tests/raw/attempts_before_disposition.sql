-- The raw computation of queries/attempts_before_disposition.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per number of attempts (10 stands for 10 or more) among the period's MQLs that sales has
-- accepted or rejected: how many were decided after that many touches, and how
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
decided as (
    -- attempt_count is set once sales has accepted or rejected the lead
    select
        least(f.attempt_count, 10) as attempt_count,
        f.accepted_at is not null as is_accepted,
        f.rejection_reason = 'unable_to_reach' as is_unable_to_reach,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and f.attempt_count is not null
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
final as (
    select
        attempt_count,
        count(*) as disposed_count,
        count(case when is_accepted then 1 end) as accepted_count,
        count(case when not is_accepted and is_unable_to_reach then 1 end) as unable_to_reach_count,
        count(case when not is_accepted and is_unable_to_reach is not true then 1 end) as other_rejected_count,
    from decided
    group by attempt_count
)
select * from final
order by attempt_count
