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
        and ($source is null or coalesce(source, '') = $source)
),
stages as (
    select * from (values
        (1, 'Inquiry'), (2, 'MQL'), (3, 'SAL'), (4, 'SQL'), (5, 'Opportunity'), (6, 'Won')
    ) t(stage_rank, stage)
),
measured as (
    select
        s.stage_rank,
        case s.stage_rank
            when 3 then (select count(*) from lead_facts where has_sal_record) > 0
            when 4 then (select count(*) from lead_facts where has_sql_record) > 0
            when 5 then (select count(*) from lead_facts where has_opportunity_record) > 0
            when 6 then (select count(*) from lead_facts where is_won or has_opportunity) > 0
            else true
        end as is_measured,
    from stages s
),
counted as (
    select
        s.stage_rank,
        s.stage,
        count(c.stage_rank) as reached_count,
        count(case when c.stage_rank > s.stage_rank then 1 end) as moved_on_count,
        count(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'open' then 1 end) as open_count,
        count(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'dropped' then 1 end) as dropped_count,
        count(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'won' then 1 end) as won_count,
        count(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'recycled' then 1 end) as recycled_count,
    from stages s
    left join cohort c on c.stage_rank >= s.stage_rank
    group by s.stage_rank, s.stage
),
final as (
    select
        c.stage_rank,
        c.stage,
        m.is_measured,
        case when m.is_measured then c.reached_count end as reached_count,
        case when m.is_measured then c.moved_on_count end as moved_on_count,
        case when m.is_measured then c.open_count end as open_count,
        case when m.is_measured then c.dropped_count end as dropped_count,
        case when m.is_measured then c.won_count end as won_count,
        case when m.is_measured then c.recycled_count end as recycled_count,
    from counted c
    join measured m using (stage_rank)
)
select * from final
order by stage_rank
