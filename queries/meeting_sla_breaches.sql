-- one row per MQL whose first-touch SLA ran out in the week and was missed, with the rep who owns it
-- parameters: $start_at, $end_at (UTC timestamps: the week's first and next Monday's local midnight),
-- $segment, $region, $source (null = all), $now (timestamp: deadlines after it have not run out yet)
-- Missed: untouched at its deadline (and still untouched at $now, or touched late since). Each lead carries its id
-- in the CRM it came from (crm_id) and the link to its record when a template is set.
with
due as (
    select f.*
    from lead_facts f
    where f.sla_deadline_at >= $start_at
        and f.sla_deadline_at < $end_at
        and f.sla_deadline_at < $now::timestamp
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
missed as (
    -- a touch recorded after $now has not happened yet as far as this list knows
    select
        d.*,
        case when d.first_touch_at <= $now::timestamp then d.first_touch_at end as touched_at,
    from due d
    where d.first_touch_at is null or d.first_touch_at > d.sla_deadline_at
),
final as (
    select
        m.lead_id,
        lead_crm_id(m.lead_id) as crm_id,
        record_url(lead_crm_id(m.lead_id)) as record_url,
        r.rep_name as owner_name,
        r.team,
        coalesce(m.source, '(no source)') as source,
        c.campaign_name,
        m.lead_score,
        m.mql_at,
        m.first_touch_sla_hours,
        m.sla_deadline_at,
        m.touched_at as first_touch_at,
        m.touched_at is null as is_still_untouched,
        (epoch(coalesce(m.touched_at, $now::timestamp)) - epoch(m.sla_deadline_at)) / 3600 as hours_late,
        case
            when m.accepted_at <= $now::timestamp then 'accepted'
            when m.rejected_at <= $now::timestamp then 'rejected'
            else 'undecided'
        end as decision,
    from missed m
    left join reps r on r.rep_id = m.owner_rep_id
    left join campaigns c on c.campaign_id = m.campaign_id
)
select * from final
order by is_still_untouched desc, hours_late desc, lead_id
