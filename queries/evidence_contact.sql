-- one row per group of the evidence window's MQLs, of three kinds (see kind below)
-- parameters: $start_at, $end_at (UTC timestamps of the window's first and last-plus-one local midnights;
-- MQLs by when they became MQLs), $segment, $region, $source (null = all)
-- kind 'band': hours from assignment to first touch, and how many were reached, accepted and won; 'attempts':
-- the attempts it took to reach a lead, whether one did, and how many were accepted and won; 'wait': ln(1 + hours to first touch) to two
-- decimals, with the worked leads' attempts up to the first contact and their contacts
with
mqls as not materialized (
    select
        f.first_touch_hours,
        f.first_contact_at is not null as is_contacted,
        f.attempts_to_contact,
        f.is_accepted,
        f.is_won,
    from lead_facts f
    where f.mql_at >= $start_at
        and f.mql_at < $end_at
        and ($segment is null or f.segment = $segment)
        and ($region is null or f.region = $region)
        and ($source is null or coalesce(f.source, '') = $source)
),
banded as (
    -- upper bounds included, as the SLA check includes its deadline
    select
        case
            when first_touch_hours is null then 7
            when first_touch_hours <= 5 / 60 then 1
            when first_touch_hours <= 1 then 2
            when first_touch_hours <= 4 then 3
            when first_touch_hours <= 24 then 4
            when first_touch_hours <= 72 then 5
            else 6
        end as band_order,
        count(*) as mql_count,
        count(case when is_contacted then 1 end) as contacted_count,
        count(case when is_accepted then 1 end) as accepted_count,
        count(case when is_won then 1 end) as won_count,
    from mqls
    group by 1
),
bands as (
    select
        b.band_order,
        b.band,
        coalesce(c.mql_count, 0) as mql_count,
        coalesce(c.contacted_count, 0) as contacted_count,
        coalesce(c.accepted_count, 0) as accepted_count,
        coalesce(c.won_count, 0) as won_count,
    from (values (1, 'under 5 min'), (2, '5–60 min'), (3, '1–4 h'), (4, '4–24 h'), (5, '1–3 days'),
                 (6, 'over 3 days'), (7, 'never touched')) b(band_order, band)
    left join banded c on c.band_order = b.band_order
)
select 'band' as kind, band_order, band, null::integer as attempts_to_contact, null::boolean as is_contacted,
    null::double as wait_log_hours, mql_count, contacted_count, accepted_count, won_count,
    null::bigint as attempt_count
from bands
union all
select 'attempts', null, null, attempts_to_contact, is_contacted, null, count(*), null,
    count(case when is_accepted then 1 end), count(case when is_won then 1 end), sum(attempts_to_contact)
from mqls
where attempts_to_contact > 0
group by attempts_to_contact, is_contacted
union all
select 'wait', null, null, null, null, round(ln(1 + first_touch_hours), 2), count(*),
    count(case when is_contacted then 1 end), null, null, sum(attempts_to_contact)
from mqls
where attempts_to_contact > 0 and first_touch_hours is not null
group by round(ln(1 + first_touch_hours), 2)
order by kind, band_order, attempts_to_contact, is_contacted, wait_log_hours
