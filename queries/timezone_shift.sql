-- one row: the imports whose times without an offset were read in another zone than $new_tz, and how many
-- imported MQLs change day and month when days start at midnight in $new_tz instead of $old_tz
-- parameters: $old_tz (the organisation's zone now), $new_tz (the zone it would change to)
with naive_imports as (
    select kind, naive_times_zone
    from imports
    where naive_times_zone is not null and naive_times_zone <> $new_tz
),

-- a lead does not record the import it came from: every imported MQL counts once a leads file was read so
imported_mqls as (
    select
        timezone($old_tz, timezone('UTC', l.mql_at)) as local_now_at,
        timezone($new_tz, timezone('UTC', l.mql_at)) as local_then_at,
    from leads l
    join source_keys k on k.kind = 'leads' and k.id = l.lead_id
    where l.mql_at is not null
        and exists (select 1 from naive_imports where kind = 'leads')
),

final as (
    select
        (select count(*) from naive_imports) as import_count,
        (select string_agg(distinct naive_times_zone, ', ' order by naive_times_zone) from naive_imports) as read_in,
        (select count(*) from naive_imports where kind = 'leads') as leads_import_count,
        count(*) filter (where local_now_at::date <> local_then_at::date) as mql_day_count,
        count(*) filter (where date_trunc('month', local_now_at) <> date_trunc('month', local_then_at))
            as mql_month_count,
    from imported_mqls
)

select * from final
