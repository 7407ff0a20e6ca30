-- one row per waterfall stage: how many of the period's arriving leads reached it and what became of them there
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- Reached, moved on, still open, dropped (rejected, disqualified, lost) or recycled (no progress for the agreed
-- recycle term). A stage no lead in the warehouse records by its own record (stage_evidence) is not measured:
-- its counts are null, whatever later stages imply, and is_measured says so.
with
cohort as (
    -- the daily rollup (schema 7): one row per day, dimensions and how far the leads got
    select stage_rank, stage_outcome, sum(lead_count) as lead_count
    from created_daily
    where created_date >= $start::date
        and created_date < $end::date
        and ($segment is null or segment = $segment)
        and ($region is null or region = $region)
        and ($source is null or coalesce(source, '') = $source)
    group by stage_rank, stage_outcome
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
            when 3 then e.sal_record_count > 0
            when 4 then e.sql_record_count > 0
            when 5 then e.opportunity_record_count > 0
            when 6 then e.outcome_record_count > 0
            else true
        end as is_measured,
    from stages s
    cross join stage_evidence e
),
counted as (
    select
        s.stage_rank,
        s.stage,
        coalesce(sum(c.lead_count), 0)::bigint as reached_count,
        coalesce(sum(case when c.stage_rank > s.stage_rank then c.lead_count end), 0)::bigint as moved_on_count,
        coalesce(sum(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'open' then c.lead_count end), 0)::bigint
            as open_count,
        coalesce(sum(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'dropped' then c.lead_count end), 0)::bigint
            as dropped_count,
        coalesce(sum(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'won' then c.lead_count end), 0)::bigint
            as won_count,
        coalesce(sum(case when c.stage_rank = s.stage_rank and c.stage_outcome = 'recycled' then c.lead_count end), 0)::bigint
            as recycled_count,
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
