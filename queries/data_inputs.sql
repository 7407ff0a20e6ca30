-- one row: how many records the warehouse holds of each input a KPI may need (handshake/kpis.py INPUTS),
-- and whether any lead was decided
-- parameters: none (the whole warehouse: an input missing here is missing for every period)
select
    (select count(*) from leads) as lead_count,
    (select count(*) from follow_ups) as follow_up_count,
    (select count(*) from agreements) as agreement_count,
    (select count(*) from opportunities) as opportunity_count,
    (select count(*) from revenue) as revenue_count,
    (select count(*) from campaigns where cost_eur is not null) as costed_campaign_count,
    -- whether any lead was decided, not how many: counting them reads every lead on every page
    (select count(*) from (select 1 from leads where accepted_at is not null or rejected_at is not null limit 1))
        as decided_lead_seen,
