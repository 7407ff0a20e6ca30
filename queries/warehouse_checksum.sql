-- one row per business table: its row count and an order-free hash of its rows, equal before and after a refused import
-- parameters: none
select 'leads' as table_name, count(*) as row_count, coalesce(sum(hash(t)), 0) as checksum from leads t
union all select 'follow_ups', count(*), coalesce(sum(hash(t)), 0) from follow_ups t
union all select 'opportunities', count(*), coalesce(sum(hash(t)), 0) from opportunities t
union all select 'revenue', count(*), coalesce(sum(hash(t)), 0) from revenue t
union all select 'campaigns', count(*), coalesce(sum(hash(t)), 0) from campaigns t
union all select 'reps', count(*), coalesce(sum(hash(t)), 0) from reps t
union all select 'agreements', count(*), coalesce(sum(hash(t)), 0) from agreements t
union all select 'source_keys', count(*), coalesce(sum(hash(t)), 0) from source_keys t
order by table_name
