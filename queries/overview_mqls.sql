-- one row per MQL of the period (the records behind the Overview's MQL cards), newest first
-- parameters: $start_at, $end_at (the period's first and next day's midnight in the organisation's time zone, as
-- UTC timestamps), $segment, $region, $source (null = all), $now (timestamp: an SLA clock still running is not judged)
-- Each lead carries its id in the CRM it came from and the link to its record when a template is set; the SLA, the
-- decision and the win are judged as queries/kpi_mql_cohort.sql judges them.
select
    f.lead_id,
    lead_crm_id(f.lead_id) as crm_id,
    record_url(lead_crm_id(f.lead_id)) as record_url,
    f.mql_at,
    f.source,
    f.segment,
    f.region,
    r.rep_name as owner,
    case
        when f.first_touch_sla_hours is null then 'no_sla'
        when f.is_touched_within_sla then 'within_sla'
        when f.first_touch_at is null and f.sla_deadline_at >= $now::timestamp then 'sla_running'
        else 'breached'
    end as sla,
    case when f.is_accepted then 'accepted' when f.is_rejected then 'rejected' else 'undecided' end as decision,
    f.is_won,
    f.won_date,
from lead_facts f
left join reps r on r.rep_id = f.owner_rep_id
where f.mql_at >= $start_at
    and f.mql_at < $end_at
    and ($segment is null or f.segment = $segment)
    and ($region is null or f.region = $region)
    and ($source is null or coalesce(f.source, '') = $source)
order by f.mql_at desc, f.lead_id
