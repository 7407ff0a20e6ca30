-- one row per deal behind the Overview's money cards: closed in the period, open at its end, or with revenue booked in it
-- parameters: $start, $end (dates, end exclusive), $segment, $region, $source (null = all; deals with no lead
-- count only when all are null)
-- Each deal carries its id in the CRM (the one it was imported with) and its lead's; newest close first, open last.
with
booked as (
    select opportunity_id, sum(amount_eur) as booked_eur
    from revenue
    where booked_date >= $start::date and booked_date < $end::date
    group by opportunity_id
)
select
    coalesce((select any_value(k.source_key) from source_keys k
              where k.kind = 'opportunities' and k.id = o.opportunity_id), o.opportunity_id::varchar) as deal_id,
    case when o.closed_date is not null and o.closed_date < $end::date
        then case when o.is_won then 'won' when o.is_won = false then 'lost' else 'closed' end
        else 'open' end as status,
    o.amount_eur::double as amount_eur,
    coalesce(b.booked_eur, 0)::double as booked_eur,
    o.created_date,
    o.closed_date,
    case when o.closed_date < $end::date then o.closed_date - o.created_date end as days_to_close,
    case when o.lead_id is not null then lead_crm_id(o.lead_id) end as lead_crm_id,
    o.source,
    o.sourced_by,
    o.segment,
    o.region,
from deal_facts o  -- each deal with its lead's dimensions (schema 7)
left join booked b on b.opportunity_id = o.opportunity_id
where (
        o.closed_date >= $start::date and o.closed_date < $end::date
        or (o.created_date < $end::date and (o.closed_date is null or o.closed_date >= $end::date))
        or b.opportunity_id is not null
    )
    and ($segment is null or o.segment = $segment)
    and ($region is null or o.region = $region)
    and ($source is null or coalesce(o.source, '') = $source)
    and (o.lead_id is not null or ($segment is null and $region is null and $source is null))
order by o.closed_date desc nulls last, o.opportunity_id
