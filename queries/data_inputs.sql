-- one row: how many records the warehouse holds of each input a KPI may need (handshake/kpis.py INPUTS),
-- and how many leads record each stage of the waterfall by the stage's own record (table stage_evidence)
-- parameters: none (the whole warehouse: an input missing here is missing for every period)
select
    (select count(*) from leads) as lead_count,
    (select count(*) from follow_ups) as follow_up_count,
    (select count(*) from agreements) as agreement_count,
    (select count(*) from opportunities) as opportunity_count,
    -- deals that are open or lost, or dated when opened: an export of won deals alone says nothing of the pipeline
    (select count(*) from opportunities where is_won is not true or created_date is not null) as pipeline_deal_count,
    (select count(*) from revenue) as revenue_count,
    (select count(*) from campaigns where cost_eur is not null) as costed_campaign_count,
    e.inquiry_only_count,
    -- a decision with or without its time: accepted, rejected, or a status that says so
    e.sal_record_count as decided_lead_seen,
    e.sql_record_count,
    e.opportunity_record_count,
    -- a won deal, a lost or open one, or a lead whose own record says won
    e.outcome_record_count,
    e.undated_decision_count,
    e.undated_won_count,
    e.assigned_after_touch_count,
from stage_evidence e
