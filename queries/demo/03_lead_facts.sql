-- one row per generated lead with its whole fate, cut off at the demo's "now" (as_of);
-- the lead, follow-up, opportunity and campaign steps all read this table
create or replace temp table demo_lead_facts as
with
days as (
    select unnest(range(s.start_at, s.as_of, interval 1 day)) as day_at
    from demo_settings s
),
weighted_days as (
    -- about 35% growth over the two years, a summer and year-end lull, quiet weekends
    select
        d.day_at,
        round(1000
            * (1 + 0.35 * datediff('day', s.start_at, d.day_at) / 730.0)
            * [0.95, 1.05, 1.15, 1.05, 1.0, 0.9, 0.7, 0.65, 1.1, 1.2, 1.1, 0.75][month(d.day_at)]
            * case when dayofweek(d.day_at) in (0, 6) then 0.2 else 1.0 end
        )::bigint as weight,
    from days d, demo_settings s
),
cumulative_days as (
    select
        day_at,
        weight,
        sum(weight) over (order by day_at) as cumulative_weight,
        sum(weight) over () as total_weight,
    from weighted_days
),
day_ranges as (
    -- integer arithmetic, so the days' lead counts add up to exactly lead_count
    select
        c.day_at,
        a.mql_score_threshold,
        a.min_attempts,
        ((s.lead_count * (c.cumulative_weight - c.weight)) // c.total_weight)::bigint as first_index,
        ((s.lead_count * c.cumulative_weight) // c.total_weight)::bigint as next_index,
    from cumulative_days c
    cross join demo_settings s
    left join agreement_periods a
        on c.day_at >= a.effective_date
        and (a.next_effective_date is null or c.day_at < a.next_effective_date)
),
lead_days as (
    select
        day_at,
        mql_score_threshold,
        min_attempts,
        unnest(range(first_index, next_index)) + 1 as lead_id,
    from day_ranges
),
sources as (
    -- quality shifts the lead's hidden propensity to buy; channel index ties a source to campaigns
    select * from (values
        ('events', 'marketing', 8, 0.4, 5),
        ('content', 'marketing', 12, -0.3, 3),
        ('organic', 'marketing', 15, 0.2, null),
        ('outbound', 'sales', 12, 0.6, null),
        ('paid_search', 'marketing', 22, 0.0, 1),
        ('paid_social', 'marketing', 15, -0.5, 2),
        ('partner', 'marketing', 6, 0.5, null),
        ('webinar', 'marketing', 10, 0.3, 4)
    ) t(source, sourced_by, share_percent, quality, campaign_channel_index)
),
source_slots as (
    select *, unnest(range(cumulative - share_percent, cumulative)) as slot
    from (select *, (sum(share_percent) over (order by source))::bigint as cumulative from sources)
),
segments as (
    select * from (values
        ('SMB', 55, -0.1, 9000, 25, 0.2),
        ('Mid-market', 30, 0.0, 32000, 55, 0.0),
        ('Enterprise', 15, 0.15, 110000, 110, -0.4)
    ) t(segment, share_percent, quality, deal_eur, cycle_days, win_shift)
),
segment_slots as (
    select *, unnest(range(cumulative - share_percent, cumulative)) as slot
    from (select *, (sum(share_percent) over (order by segment))::bigint as cumulative from segments)
),
region_slots as (
    select *, unnest(range(cumulative - share_percent, cumulative)) as slot
    from (select *, (sum(share_percent) over (order by region))::bigint as cumulative from demo_regions)
),
drawn as (
    select
        ld.lead_id,
        ld.mql_score_threshold,
        ld.min_attempts,
        -- on the last day only the hours up to "now" have happened, so its leads fit into them
        plus_hours(ld.day_at, case
            when u01(ld.lead_id, 1, s.seed) < 0.8 then 8 + 10 * u01(ld.lead_id, 2, s.seed)
            else 24 * u01(ld.lead_id, 2, s.seed)
        end * least(1, (epoch(s.as_of) - epoch(ld.day_at)) / 86400)) as created_at,
        floor(u01(ld.lead_id, 3, s.seed) * 100)::bigint as source_slot,
        floor(u01(ld.lead_id, 4, s.seed) * 100)::bigint as segment_slot,
        floor(u01(ld.lead_id, 5, s.seed) * 100)::bigint as region_slot,
    from lead_days ld, demo_settings s
),
described as (
    select
        d.*,
        so.source,
        so.sourced_by,
        se.segment,
        se.deal_eur,
        se.cycle_days,
        se.win_shift,
        r.region,
        case when so.campaign_channel_index is not null then
            (year(d.created_at) * 100 + quarter(d.created_at) * 10 + so.campaign_channel_index)::integer
        end as campaign_id,
        so.quality + se.quality as known_quality,
    from drawn d
    join source_slots so on so.slot = d.source_slot
    join segment_slots se on se.slot = d.segment_slot
    join region_slots r on r.slot = d.region_slot
),
scored as (
    select
        d.*,
        d.known_quality
            + coalesce(0.35 * nrm(d.campaign_id, 6, s.seed), 0)
            + nrm(d.lead_id, 7, s.seed) as propensity,
    from described d, demo_settings s
),
qualified as (
    select
        q.*,
        -- the score sees the propensity through noise, so it predicts winning without deciding it
        least(99, greatest(1, round(50 + 16 * (0.75 * q.propensity + 0.65 * nrm(q.lead_id, 8, s.seed)))))::integer
            as lead_score,
    from scored q, demo_settings s
),
handed_off as (
    select
        q.*,
        case when q.lead_score >= coalesce(q.mql_score_threshold, s.informal_threshold) then
            plus_hours(q.created_at, expo(q.lead_id, 9, s.seed, s.mql_lag_hours))
        end as mql_true_at,
        floor(u01(q.lead_id, 10, s.seed) * s.sdrs_per_region)::integer as sdr_slot,
        floor(u01(q.lead_id, 11, s.seed) * s.aes_per_region)::integer as ae_slot,
        u01(q.lead_id, 12, s.seed) >= s.unassigned_share as is_assigned,
        u01(q.lead_id, 14, s.seed) < s.handoff_recorded_share as is_handoff_recorded,
        -- reps cherry-pick: the higher the score, the likelier a touch
        u01(q.lead_id, 15, s.seed) < least(0.995, greatest(0.02,
            s.touch_share + s.cherry_pick * (q.lead_score - 55) / 50.0)) as is_worked,
        exp(ln(s.touch_median_hours) + s.touch_sigma * nrm(q.lead_id, 16, s.seed)) as delay_hours,
        -- disciplined reps keep trying up to the agreed minimum before they give up on a lead
        least(12, case
            when u01(q.lead_id, 17, s.seed) < s.attempt_discipline
                then greatest(1 + floor(expo(q.lead_id, 18, s.seed, s.mean_attempts - 1)), coalesce(q.min_attempts, 1))
            else 1 + floor(expo(q.lead_id, 18, s.seed, s.mean_attempts - 1))
        end)::integer as attempts_planned,
        12 + 48 * u01(q.lead_id, 20, s.seed) as gap_hours,
    from qualified q, demo_settings s
),
touched as (
    select
        h.*,
        case when h.is_assigned then
            plus_hours(h.mql_true_at, expo(h.lead_id, 13, s.seed, s.assign_lag_hours))
        end as assigned_true_at,
        -- contact odds fall with the delay before the first touch: the decay the evidence page measures
        floor(ln(1 - u01(h.lead_id, 19, s.seed))
            / ln(1 - logistic(0.3 - s.delay_effect * ln(1 + h.delay_hours))))::bigint as connect_index,
    from handed_off h, demo_settings s
),
attempted as (
    select
        t.*,
        case when t.is_worked then plus_hours(t.assigned_true_at, t.delay_hours) end as first_touch_true_at,
        t.is_worked and t.assigned_true_at is not null and t.connect_index < t.attempts_planned
            as is_connected,
        case when t.connect_index < t.attempts_planned
            then t.connect_index + 1 else t.attempts_planned end as attempts_made,
    from touched t
),
decided as (
    select
        a.*,
        case when a.is_connected then plus_hours(a.first_touch_true_at, a.connect_index * a.gap_hours)
        end as connected_true_at,
        plus_hours(a.first_touch_true_at, (a.attempts_made - 1) * a.gap_hours) as last_attempt_true_at,
        u01(a.lead_id, 21, s.seed) < logistic(s.accept_logit + 0.9 * a.propensity) as would_accept,
        u01(a.lead_id, 24, s.seed) as give_up_draw,
        ['no_need', 'no_need', 'no_need', 'no_budget', 'no_budget', 'no_fit', 'no_fit', 'no_fit', 'bad_data', 'bad_data']
            [1 + floor(u01(a.lead_id, 23, s.seed) * 10)::integer] as reason_if_worked,
        ['no_fit', 'bad_data'][1 + floor(u01(a.lead_id, 23, s.seed) * 2)::integer] as reason_if_unworked,
        u01(a.lead_id, 25, s.seed) < s.reason_share as has_reason,
        expo(a.lead_id, 22, s.seed, 18) as decision_lag_hours,
    from attempted a, demo_settings s
),
disposed as (
    select
        d.*,
        case
            when d.is_connected and d.would_accept then 'accept'
            when d.is_connected then 'reject'
            when d.first_touch_true_at is not null
                and d.attempts_made >= coalesce(d.min_attempts, 1) and d.give_up_draw < 0.8 then 'unreachable'
            when d.first_touch_true_at is not null and d.give_up_draw < s.give_up_share then 'unreachable'
            when d.assigned_true_at is not null and d.first_touch_true_at is null
                and d.give_up_draw < s.give_up_share then 'reject_unworked'
        end as decision,
    from decided d, demo_settings s
),
timed as (
    select
        d.*,
        case d.decision
            when 'accept' then plus_hours(d.connected_true_at, d.decision_lag_hours)
            when 'reject' then plus_hours(d.connected_true_at, d.decision_lag_hours)
            when 'unreachable' then plus_hours(d.last_attempt_true_at, 24 + d.decision_lag_hours)
            when 'reject_unworked' then plus_hours(d.assigned_true_at, 4 * d.decision_lag_hours)
        end as decided_true_at,
        d.decision = 'accept' and u01(d.lead_id, 26, s.seed)
            < logistic(0.3 + 0.8 * d.propensity - 0.5 * s.delay_effect * ln(1 + d.delay_hours)) as becomes_sql,
        u01(d.lead_id, 28, s.seed) < 0.75 as becomes_opportunity,
        u01(d.lead_id, 30, s.seed) < logistic(-1.1 + 0.9 * d.propensity + d.win_shift) as would_win,
        greatest(500, round(d.deal_eur * exp(0.45 * nrm(d.lead_id, 32, s.seed)) * (1 + 0.1 * d.propensity), -2))
            as deal_amount_eur,
    from disposed d, demo_settings s
),
staged as (
    select
        t.*,
        case when t.becomes_sql then plus_hours(t.decided_true_at, expo(t.lead_id, 27, s.seed, 120)) end
            as sql_true_at,
    from timed t, demo_settings s
),
opportunities as (
    select
        g.*,
        case when g.becomes_opportunity then plus_hours(g.sql_true_at, expo(g.lead_id, 29, s.seed, 96)) end
            as opportunity_true_at,
    from staged g, demo_settings s
),
closing as (
    select
        o.*,
        plus_hours(o.opportunity_true_at, 24 * o.cycle_days * exp(0.5 * nrm(o.lead_id, 31, s.seed)))
            as close_true_at,
    from opportunities o, demo_settings s
),
final as (
    select
        c.lead_id,
        c.created_at,
        c.source,
        c.sourced_by,
        c.campaign_id,
        c.segment,
        c.region,
        c.lead_score,
        c.propensity,
        c.sdr_slot,
        c.ae_slot,
        c.is_assigned,
        c.is_handoff_recorded,
        c.delay_hours,
        c.gap_hours,
        c.connect_index,
        c.is_connected,
        c.attempts_made,
        c.decision,
        c.has_reason,
        c.reason_if_worked,
        c.reason_if_unworked,
        c.becomes_sql,
        c.would_win,
        c.deal_amount_eur,
        by_now(c.mql_true_at, s.as_of) as mql_at,
        by_now(c.assigned_true_at, s.as_of) as assigned_at,
        by_now(c.first_touch_true_at, s.as_of) as first_touch_at,
        by_now(c.decided_true_at, s.as_of) as decided_at,
        by_now(c.sql_true_at, s.as_of) as sql_at,
        by_now(c.opportunity_true_at, s.as_of) as opportunity_at,
        by_now(c.close_true_at, s.as_of) as closed_at,
        c.close_true_at,
    from closing c, demo_settings s
)
select * from final;
