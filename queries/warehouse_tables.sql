-- one row per warehouse table: its name, what it holds and how many rows it has
-- parameters: none
select 'leads' as table_name, 'Leads and their hand-off stages' as holds, count(*) as row_count from leads
union all select 'follow_ups', 'Sales touches on leads', count(*) from follow_ups
union all select 'opportunities', 'Deals, won, lost and open', count(*) from opportunities
union all select 'revenue', 'Revenue bookings', count(*) from revenue
union all select 'campaigns', 'Marketing campaigns and their cost', count(*) from campaigns
union all select 'reps', 'People in sales and marketing', count(*) from reps
union all select 'agreements', 'Versions of the joint agreement', count(*) from agreements
union all select 'campaign_feedback', 'Sales ratings of campaigns', count(*) from campaign_feedback
union all select 'assessment_responses', 'Self-assessment submissions', count(*) from assessment_responses
union all select 'meeting_actions', 'Weekly-meeting actions', count(*) from meeting_actions
