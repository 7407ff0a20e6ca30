-- one row per filter value present in the leads: which filter ('segment', 'region', 'source') and the value
-- parameters: none
select distinct 'segment' as filter, segment as value from leads where segment is not null
union all
select distinct 'region', region from leads where region is not null
union all
select distinct 'source', source from leads where source is not null
order by filter, value
