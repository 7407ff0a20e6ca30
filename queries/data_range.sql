-- one row: the first and last day with a lead, and how many leads there are
-- parameters: none
select
    min(created_at)::date as first_lead_date,
    max(created_at)::date as last_lead_date,
    count(*) as lead_count,
from leads
