-- one row per filter value present in the leads: which filter ('segment', 'region', 'source') and the value
-- parameters: none. Leads without a source are a group of their own, '(no source)' (kpis.NO_SOURCE)
select distinct 'segment' as filter, segment as value from leads where segment is not null
union all
select distinct 'region', region from leads where region is not null
union all
select distinct 'source', coalesce(source, '(no source)') from leads
order by filter, value
