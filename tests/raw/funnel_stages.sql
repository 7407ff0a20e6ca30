-- The raw computation of queries/funnel_stages.sql from lead_facts, before the rollups of schema 7:
-- tests/test_rollups.py checks that the rollup-backed query returns exactly this.
-- one row per waterfall stage: of the period's arriving leads, how many reached the stage, moved on,
-- are still open there, or were dropped there (rejected, disqualified, lost)
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    select stage_rank, stage_outcome
    from lead_facts
    where created_at >= $start_at
        and created_at < $end_at
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or source = $source)
),
stages as (
    select * from (values
        (1, 'Inquiry'), (2, 'MQL'), (3, 'SAL'), (4, 'SQL'), (5, 'Opportunity'), (6, 'Won')
    ) t(stage_rank, stage)
),
final as (
    select
        s.stage_rank,
        s.stage,
        count(c.stage_rank) as reached_count,
        count(case when c.stage_rank > s.stage_rank then 1 end) as moved_on_count,
        count(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'open' then 1 end) as open_count,
        count(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'dropped' then 1 end) as dropped_count,
        count(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'won' then 1 end) as won_count,
    from stages s
    left join cohort c on c.stage_rank >= s.stage_rank
    group by s.stage_rank, s.stage
)
select * from final
order by stage_rank
