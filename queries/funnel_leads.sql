-- one row per lead behind a bar of the funnel: the period's arriving leads at one stage with one outcome
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all),
-- $stage_rank (1 inquiry .. 6 won), $outcome ('moved_on', 'open', 'dropped', 'recycled' or 'won')
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
-- $limit (the rows to return, newest first; null = every lead behind the bar)
-- 'moved_on' = reached a later stage; newest first. Each lead carries its id in the CRM it came from (crm_id) and
-- the link to its record when a template is set; listed_count is how many leads the whole list holds.
with
behind as (
    select f.*
    from lead_facts f
    where f.created_at >= $start_at
        and f.created_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
        and case $outcome
            when 'moved_on' then f.stage_rank > $stage_rank
            else f.stage_rank = $stage_rank and f.stage_outcome = $outcome
        end
),
picked as (
    -- only the rows shown are joined to their owners' names
    select * from behind order by created_at desc limit $limit
),
final as (
    select
        f.lead_id,
        lead_crm_id(f.lead_id) as crm_id,
        record_url(lead_crm_id(f.lead_id)) as record_url,
        f.created_at,
        coalesce(f.source, '(no source)') as source,
        f.segment,
        f.region,
        f.lead_score,
        f.status,
        r.rep_name as owner,
        f.mql_at,
        f.accepted_at,
        f.rejected_at,
        f.rejection_reason,
        f.sql_at,
        f.reached_opportunity_at as opportunity_at,
        f.won_date,
        (select count(*) from behind) as listed_count,
    from picked f
    left join reps r on r.rep_id = f.owner_rep_id
)
select * from final
order by created_at desc
