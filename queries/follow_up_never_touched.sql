-- one row per MQL of the period with no sales touch, best score first, with the list's count
-- parameters: $start, $end (dates, end exclusive; MQLs by the day they became MQLs),
-- $segment, $region, $source (null = all), $now (timestamp),
-- $limit (the rows to return, the best scores; null = the whole list)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
-- A touch dated before the lead existed does not count. Each row: its owner, its score, how long it waited (until
-- decided, or until $now), its id in the CRM it came from (crm_id) and the link to its record when a template is set.
with
untouched as (
    -- narrow: the whole list is counted and ordered on these columns alone; the shown rows' details
    -- are read for them only (reading every untouched MQL's text columns took most of the time)
    select c.lead_id, c.lead_score, c.mql_at
    from lead_facts c
    where c.mql_at >= $start_at
        and c.mql_at < $end_at
        and c.first_touch_at is null
        and ($segment is null or c.segment = $segment)
        and ($region is null or c.region = $region)
        and ($source is null or coalesce(c.source, '') = $source)
),
listed as (
    select lead_id
    from untouched
    order by lead_score desc nulls last, mql_at, lead_id
    limit $limit
),
final as (
    select
        c.lead_id,
        lead_crm_id(c.lead_id) as crm_id,
        record_url(lead_crm_id(c.lead_id)) as record_url,
        c.lead_score,
        r.rep_name as owner_name,
        r.team,
        -- until sales decided on the lead, or until $now while it is undecided; in days, as every long wait is read
        greatest(
            epoch(least(coalesce(c.accepted_at, c.rejected_at, $now::timestamp), $now::timestamp))
                - epoch(c.sla_clock_at),
            0
        ) / 86400 as waited_days,
        c.first_touch_sla_hours as sla_hours,
        greatest(epoch($now::timestamp) - epoch(c.created_at), 0) / 86400 as age_days,
        coalesce(c.source, '(no source)') as source,
        c.segment,
        c.region,
        c.status,
        c.rejection_reason,
        c.created_at,
        c.mql_at,
        c.sla_clock_at,
        (select count(*) from untouched) as listed_count,
    from lead_facts c
    semi join listed l on l.lead_id = c.lead_id
    left join reps r on r.rep_id = c.owner_rep_id
    where c.mql_at >= $start_at
        and c.mql_at < $end_at
)
select * from final
order by lead_score desc nulls last, mql_at, lead_id
