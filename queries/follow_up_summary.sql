-- one row for the period's MQLs ($grain 'total'), per rep ('rep'), team ('team') or week ('week', keyed by its
-- Monday), or the period's, teams' and reps' rows together ('all'): how fast and persistently sales followed up
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs), $grain ('total', 'rep',
-- 'team', 'week' or 'all'; the grain column names each row's kind), $segment, $region, $source (null = all),
-- $now (timestamp: a clock still running is not judged)
-- With grain 'all' the teams' and reps' rows leave speed_to_lead_median_hours null: the page shows it for the
-- period only, and each median costs a pass over the period's MQLs (about 25 ms at ten million leads)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
grains as (
    -- the kinds of row asked for
    select grain
    from (values ('total'), ('team'), ('rep'), ('week')) t(grain)
    where grain = $grain or ($grain = 'all' and grain <> 'week')
),
cohort as not materialized (
    -- not materialized: the counts and the medians each read only the columns they need
    select
        f.owner_rep_id,
        r.team,
        -- the scorecard's weeks in one run (each run costs its planning, about 25 ms here)
        case when $grain = 'week' then date_trunc('week', local_date(f.mql_at))::timestamp end as period_start,
        -- null until the first touch, so it also says whether the MQL was touched
        f.first_touch_hours,
        f.speed_to_lead_hours,
        f.attempt_count,
        f.min_attempts,
        f.rejection_reason,
        f.first_touch_sla_hours,
        f.is_touched_within_sla,
        f.sla_deadline_at,
        f.sla_clock_at,
        f.is_accepted,
        f.is_rejected,
    from lead_facts f
    -- only the teams' medians need each MQL's team; the other groups learn theirs from their owner
    left join reps r on r.rep_id = f.owner_rep_id and $grain in ('team', 'all')
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
judged as (
    select
        c.*,
        -- kpi_mql_cohort.sql's SLA judgement (the KPI's home), here per rep and team
        case
            when c.first_touch_sla_hours is null then 'no_sla'
            when c.is_touched_within_sla then 'within'
            when c.first_touch_hours is not null or $now::timestamp > c.sla_deadline_at then 'breached'
            else 'pending'
        end as sla_status,
        -- HubSpot's 24-hour accountability rule, a fixed reference whatever was agreed
        case
            when c.first_touch_hours <= 24 then 'within'
            when c.first_touch_hours is not null or $now::timestamp > c.sla_clock_at + interval 24 hour then 'over'
            else 'pending'
        end as reference_24h_status,
        case
            when c.is_accepted then 'accepted'
            when c.is_rejected then 'rejected'
        end as disposition,
    from cohort c
),
grouped as (
    -- one row per owner for 'rep' and 'all', per team for 'team', one for 'total'. Counts add up, so for
    -- 'all' the owners' are summed into the teams' and the period's below; medians and means do not, so
    -- for 'all' only the owners' are used and spread takes the teams' and the period's
    select
        case when $grain in ('rep', 'all') then owner_rep_id end as owner_rep_id,
        case when $grain = 'team' then team end as team,
        period_start,
        quantile_cont(first_touch_hours, [0.5, 0.9]) as first_touch_quantile_hours,
        -- null values are skipped, so for 'all' this median costs nothing
        quantile_cont(case when $grain <> 'all' then speed_to_lead_hours end, 0.5) as speed_to_lead_median_hours,
        avg(attempt_count) as avg_attempt_count,
        count(*) as mql_count,
        count(first_touch_hours) as touched_count,
        count(case when reference_24h_status = 'within' then 1 end) as within_24h_count,
        count(case when reference_24h_status = 'over' then 1 end) as over_24h_count,
        count(case when sla_status = 'within' then 1 end) as within_sla_count,
        count(case when sla_status = 'breached' then 1 end) as breached_sla_count,
        count(case when sla_status = 'pending' then 1 end) as sla_pending_count,
        count(case when sla_status = 'no_sla' then 1 end) as no_sla_count,
        count(disposition) as disposed_count,
        count(case when disposition = 'rejected' then 1 end) as rejected_count,
        count(case when disposition = 'rejected' and min_attempts is not null and attempt_count is not null then 1 end)
            as rejected_with_minimum_count,
        count(case when disposition = 'rejected' and attempt_count < min_attempts then 1 end)
            as rejected_below_minimum_count,
        count(case when disposition = 'rejected' and rejection_reason = 'unable_to_reach' then 1 end)
            as unable_to_reach_count,
        count(case when disposition = 'rejected' and rejection_reason = 'unable_to_reach'
            and min_attempts is not null and attempt_count is not null then 1 end) as unable_to_reach_with_minimum_count,
        count(case when disposition = 'rejected' and rejection_reason = 'unable_to_reach'
            and attempt_count < min_attempts then 1 end) as early_give_up_count,
    from judged
    group by 1, 2, 3
),
counted as (
    select
        g.grain,
        case when g.grain = 'rep' then o.owner_rep_id end as rep_id,
        case when g.grain in ('rep', 'team') then coalesce(o.team, r.team) end as team,
        o.period_start,
        -- a group's own medians and mean, where grouped was grouped as this row is
        case when g.grain = 'rep' or $grain <> 'all' then any_value(o.first_touch_quantile_hours) end
            as first_touch_quantile_hours,
        case when g.grain = 'rep' or $grain <> 'all' then any_value(o.speed_to_lead_median_hours) end
            as speed_to_lead_median_hours,
        case when g.grain = 'rep' or $grain <> 'all' then any_value(o.avg_attempt_count) end as avg_attempt_count,
        coalesce(sum(o.mql_count), 0)::bigint as mql_count,
        coalesce(sum(o.touched_count), 0)::bigint as touched_count,
        coalesce(sum(o.within_24h_count), 0)::bigint as within_24h_count,
        coalesce(sum(o.over_24h_count), 0)::bigint as over_24h_count,
        coalesce(sum(o.within_sla_count), 0)::bigint as within_sla_count,
        coalesce(sum(o.breached_sla_count), 0)::bigint as breached_sla_count,
        coalesce(sum(o.sla_pending_count), 0)::bigint as sla_pending_count,
        coalesce(sum(o.no_sla_count), 0)::bigint as no_sla_count,
        coalesce(sum(o.disposed_count), 0)::bigint as disposed_count,
        coalesce(sum(o.rejected_count), 0)::bigint as rejected_count,
        coalesce(sum(o.rejected_with_minimum_count), 0)::bigint as rejected_with_minimum_count,
        coalesce(sum(o.rejected_below_minimum_count), 0)::bigint as rejected_below_minimum_count,
        coalesce(sum(o.unable_to_reach_count), 0)::bigint as unable_to_reach_count,
        coalesce(sum(o.unable_to_reach_with_minimum_count), 0)::bigint as unable_to_reach_with_minimum_count,
        coalesce(sum(o.early_give_up_count), 0)::bigint as early_give_up_count,
    from grains g
    left join grouped o on true
    left join reps r on r.rep_id = o.owner_rep_id
    group by 1, 2, 3, 4
    -- the whole period always has its row, even with no MQLs in it; a rep or team only with MQLs
    having g.grain = 'total' or count(o.mql_count) > 0
),
spread as (
    -- for 'all': the teams' and the period's medians and means, each over its own MQLs
    select
        g.grain,
        case when g.grain = 'team' then c.team end as team,
        quantile_cont(c.first_touch_hours, [0.5, 0.9]) as first_touch_quantile_hours,
        quantile_cont(case when g.grain = 'total' then c.speed_to_lead_hours end, 0.5) as speed_to_lead_median_hours,
        avg(c.attempt_count) as avg_attempt_count,
    from cohort c
    cross join grains g
    where $grain = 'all'
        and g.grain in ('team', 'total')
    group by all
),
final as (
    select
        n.grain,
        n.rep_id,
        r.rep_name,
        n.team,
        n.period_start,
        n.mql_count,
        n.touched_count,
        n.touched_count / nullif(n.mql_count, 0) as follow_up_rate,
        n.mql_count - n.touched_count as never_touched_count,
        (n.mql_count - n.touched_count) / nullif(n.mql_count, 0) as never_touched_rate,
        coalesce(s.first_touch_quantile_hours, n.first_touch_quantile_hours)[1] as first_touch_median_hours,
        coalesce(s.first_touch_quantile_hours, n.first_touch_quantile_hours)[2] as first_touch_p90_hours,
        coalesce(s.speed_to_lead_median_hours, n.speed_to_lead_median_hours) as speed_to_lead_median_hours,
        n.within_24h_count,
        n.over_24h_count,
        n.within_24h_count / nullif(n.within_24h_count + n.over_24h_count, 0) as touched_within_24h_rate,
        n.within_sla_count,
        n.breached_sla_count,
        n.sla_pending_count,
        n.no_sla_count,
        n.within_sla_count / nullif(n.within_sla_count + n.breached_sla_count, 0) as sla_compliance_rate,
        n.disposed_count,
        coalesce(s.avg_attempt_count, n.avg_attempt_count) as avg_attempt_count,
        n.rejected_count,
        n.rejected_with_minimum_count,
        n.rejected_below_minimum_count,
        n.unable_to_reach_count,
        n.unable_to_reach_with_minimum_count,
        n.early_give_up_count,
        n.early_give_up_count / nullif(n.unable_to_reach_with_minimum_count, 0) as early_give_up_rate,
    from counted n
    -- each row's medians come from one side only: spread holds those grouped could not give
    left join spread s on s.grain = n.grain and s.team is not distinct from n.team
    left join reps r on r.rep_id = n.rep_id
)
select * from final
order by case grain when 'total' then 1 when 'team' then 2 when 'week' then 3 else 4 end,
    period_start, team nulls last, rep_name nulls last, rep_id
