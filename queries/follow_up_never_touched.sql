-- one row per MQL of the period with no sales touch recorded (a touch dated before the lead existed does
-- not count): who owns it, how good it looked and how long it waited (until decided, or until $now)
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all), $now (timestamp)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
final as (
    select
        c.lead_id,
        c.lead_score,
        r.rep_name as owner_name,
        r.team,
        -- until sales decided on the lead, or until $now while it is undecided
        greatest(
            epoch(least(coalesce(c.accepted_at, c.rejected_at, $now::timestamp), $now::timestamp))
                - epoch(c.sla_clock_at),
            0
        ) / 3600 as waited_hours,
        c.first_touch_sla_hours as sla_hours,
        greatest(epoch($now::timestamp) - epoch(c.created_at), 0) / 86400 as age_days,
        c.source,
        c.segment,
        c.region,
        c.status,
        c.rejection_reason,
        c.created_at,
        c.mql_at,
        c.sla_clock_at,
    from lead_facts c
    left join reps r on r.rep_id = c.owner_rep_id
    where c.mql_at >= $start_at
        and c.mql_at < $end_at
        and c.first_touch_at is null
        and ($segment is null or c.segment = $segment)
        and ($region is null or c.region = $region)
        and ($source is null or c.source = $source)
)
select * from final
order by lead_score desc nulls last, mql_at
