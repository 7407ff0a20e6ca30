-- one row for the period's MQLs ($grain = 'total'), or one per owner rep ('rep') or sales team ('team'):
-- how fast, how often and how persistently sales followed them up
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs), $grain ('total', 'rep'
-- or 'team'), $segment, $region, $source (null = all), $now (timestamp: a clock still running is not judged)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
cohort as (
    select
        f.*,
        case when $grain = 'rep' then f.owner_rep_id end as rep_id,
        case when $grain = 'rep' then r.rep_name end as rep_name,
        case when $grain in ('rep', 'team') then r.team end as team,
    from lead_facts f
    left join reps r on r.rep_id = f.owner_rep_id
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or f.source = $source)
),
judged as (
    select
        c.*,
        -- kpi_mql_cohort.sql's SLA judgement (the KPI's home), here per rep and team
        case
            when c.first_touch_sla_hours is null then 'no_sla'
            when c.is_touched_within_sla then 'within'
            when c.first_touch_at is not null or $now::timestamp > c.sla_deadline_at then 'breached'
            else 'pending'
        end as sla_status,
        -- HubSpot's 24-hour accountability rule, a fixed reference whatever was agreed
        case
            when c.first_touch_hours <= 24 then 'within'
            when c.first_touch_at is not null or $now::timestamp > c.sla_clock_at + interval 24 hour then 'over'
            else 'pending'
        end as reference_24h_status,
        case
            when c.accepted_at is not null then 'accepted'
            when c.rejected_at is not null then 'rejected'
        end as disposition,
    from cohort c
),
by_group as (
    select
        rep_id,
        rep_name,
        team,
        count(*) as mql_count,
        count(first_touch_at) as touched_count,
        percentile_cont(0.5) within group (order by first_touch_hours) as first_touch_median_hours,
        percentile_cont(0.9) within group (order by first_touch_hours) as first_touch_p90_hours,
        percentile_cont(0.5) within group (order by speed_to_lead_hours) as speed_to_lead_median_hours,
        count(case when reference_24h_status = 'within' then 1 end) as within_24h_count,
        count(case when reference_24h_status = 'over' then 1 end) as over_24h_count,
        count(case when sla_status = 'within' then 1 end) as within_sla_count,
        count(case when sla_status = 'breached' then 1 end) as breached_sla_count,
        count(case when sla_status = 'pending' then 1 end) as sla_pending_count,
        count(case when sla_status = 'no_sla' then 1 end) as no_sla_count,
        count(disposition) as disposed_count,
        avg(attempt_count) as avg_attempt_count,
        count(case when disposition = 'rejected' then 1 end) as rejected_count,
        count(case when disposition = 'rejected' and min_attempts is not null then 1 end)
            as rejected_with_minimum_count,
        count(case when disposition = 'rejected' and attempt_count < min_attempts then 1 end)
            as rejected_below_minimum_count,
        count(case when disposition = 'rejected' and rejection_reason = 'unable_to_reach' then 1 end)
            as unable_to_reach_count,
        count(case when disposition = 'rejected' and rejection_reason = 'unable_to_reach'
            and min_attempts is not null then 1 end) as unable_to_reach_with_minimum_count,
        count(case when disposition = 'rejected' and rejection_reason = 'unable_to_reach'
            and attempt_count < min_attempts then 1 end) as early_give_up_count,
    from judged
    group by rep_id, rep_name, team
),
groups as (
    -- the whole period always has its row, even with no MQLs in it
    select rep_id, rep_name, team from by_group
    union
    select null, null, null from (values (1)) t(one) where $grain = 'total'
),
final as (
    select
        g.rep_id,
        g.rep_name,
        g.team,
        coalesce(b.mql_count, 0) as mql_count,
        coalesce(b.touched_count, 0) as touched_count,
        b.touched_count / nullif(b.mql_count, 0) as follow_up_rate,
        coalesce(b.mql_count - b.touched_count, 0) as never_touched_count,
        (b.mql_count - b.touched_count) / nullif(b.mql_count, 0) as never_touched_rate,
        b.first_touch_median_hours as first_touch_median_hours,
        b.first_touch_p90_hours as first_touch_p90_hours,
        b.speed_to_lead_median_hours as speed_to_lead_median_hours,
        coalesce(b.within_24h_count, 0) as within_24h_count,
        coalesce(b.over_24h_count, 0) as over_24h_count,
        b.within_24h_count / nullif(b.within_24h_count + b.over_24h_count, 0) as touched_within_24h_rate,
        coalesce(b.within_sla_count, 0) as within_sla_count,
        coalesce(b.breached_sla_count, 0) as breached_sla_count,
        coalesce(b.sla_pending_count, 0) as sla_pending_count,
        coalesce(b.no_sla_count, 0) as no_sla_count,
        b.within_sla_count / nullif(b.within_sla_count + b.breached_sla_count, 0) as sla_compliance_rate,
        coalesce(b.disposed_count, 0) as disposed_count,
        b.avg_attempt_count as avg_attempt_count,
        coalesce(b.rejected_count, 0) as rejected_count,
        coalesce(b.rejected_with_minimum_count, 0) as rejected_with_minimum_count,
        coalesce(b.rejected_below_minimum_count, 0) as rejected_below_minimum_count,
        coalesce(b.unable_to_reach_count, 0) as unable_to_reach_count,
        coalesce(b.unable_to_reach_with_minimum_count, 0) as unable_to_reach_with_minimum_count,
        coalesce(b.early_give_up_count, 0) as early_give_up_count,
        b.early_give_up_count / nullif(b.unable_to_reach_with_minimum_count, 0) as early_give_up_rate,
    from groups g
    left join by_group b
        on b.rep_id is not distinct from g.rep_id
        and b.team is not distinct from g.team
)
select * from final
order by team nulls last, rep_name nulls last
