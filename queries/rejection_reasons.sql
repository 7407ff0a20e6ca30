-- one row per rejection reason (the five agreed ones, "no_reason" and, only when used, "other"): how many
-- of the period's MQLs sales rejected for it so far, and its share of those rejections
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all)
-- $start_at, $end_at: the same two days' midnight in the organisation's time zone, as UTC timestamps
with
reasons as (
    select * from (values
        ('unable_to_reach', 1),
        ('bad_data', 2),
        ('no_need', 3),
        ('no_budget', 4),
        ('no_fit', 5),
        ('other', 6),
        ('no_reason', 7)
    ) t(rejection_reason, reason_order)
),
rejected as (
    -- rejected as kpi_mql_cohort counts it: a rejection and no acceptance
    select
        case
            when trim(coalesce(l.rejection_reason, '')) = '' then 'no_reason'
            when lower(trim(l.rejection_reason)) in ('unable_to_reach', 'bad_data', 'no_need', 'no_budget', 'no_fit')
                then lower(trim(l.rejection_reason))
            else 'other'
        end as rejection_reason,
    -- the stored facts, kept in the order leads became MQLs (schema 8), so the period's filter skips most of the file
    from lead_facts l
    where l.mql_at >= $start_at
        and l.mql_at < $end_at
        and l.is_rejected
        and ($segment is null or l.segment = $segment)
        and ($region is null or l.region = $region)
        and ($source is null or coalesce(l.source, '') = $source)
),
counted as (
    select
        rejection_reason,
        count(*) as rejected_count,
    from rejected
    group by rejection_reason
),
final as (
    select
        r.rejection_reason,
        r.reason_order,
        coalesce(c.rejected_count, 0) as rejected_count,
        coalesce(c.rejected_count, 0) / nullif(sum(c.rejected_count) over (), 0) as share_of_rejections_rate,
    from reasons r
    left join counted c on c.rejection_reason = r.rejection_reason
    where r.rejection_reason <> 'other' or c.rejected_count is not null
)
select * from final
order by reason_order
