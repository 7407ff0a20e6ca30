-- A handful of leads whose KPIs are worked out by hand in the tests. March 2026 is the period under test.
-- Agreement v1 (from 1 Jan): SLA 24 h, 31 MQLs and 31,000 EUR a month (1 and 1,000 a day in March);
-- v2 (from 16 Mar): SLA 4 h, 62 MQLs and 62,000 EUR a month (2 and 2,000 a day).
insert into agreements (
    effective_date, mql_score_threshold, first_touch_sla_hours, min_attempts, monthly_mql_target,
    monthly_revenue_target_eur, changed_by, changed_at, note
) values
    ('2026-01-01', 50, 24, 3, 31, 31000, 'Heads', '2025-12-20 10:00', 'v1'),
    ('2026-03-16', 50, 4, 3, 62, 62000, 'Heads', '2026-03-10 10:00', 'v2');

insert into reps values
    (1, 'Mara Market', 'marketing', 'head', 'Marketing leadership', null, '2025-01-01', null),
    (2, 'Sam Sales', 'sales', 'sdr', 'DACH SDR', 'DACH', '2025-01-01', null);

insert into leads (
    lead_id, created_at, source, sourced_by, campaign_id, segment, region, lead_score,
    mql_at, assigned_at, owner_rep_id, accepted_at, rejected_at, rejection_reason, sql_at, opportunity_at, status
) values
    -- L1: touched 4 h after assignment (SLA 24 h: within), accepted, won
    (1, '2026-03-02 09:00', 'paid_search', 'marketing', null, 'SMB', 'DACH', 80,
     '2026-03-02 10:00', '2026-03-02 11:00', 2, '2026-03-03 09:00', null, null, '2026-03-05 09:00', '2026-03-06 09:00', 'won'),
    -- L2: first touch 48 h after assignment (breached), rejected for no budget
    (2, '2026-03-03 09:00', 'webinar', 'marketing', null, 'Enterprise', 'Nordics', 70,
     '2026-03-03 09:30', '2026-03-03 10:00', 2, null, '2026-03-06 09:00', 'no_budget', null, null, 'rejected'),
    -- L3: no hand-off time recorded, so the SLA clock starts at MQL; touched 8 h later (within), accepted, open
    (3, '2026-03-04 10:00', 'events', 'marketing', null, 'SMB', 'DACH', 65,
     '2026-03-04 12:00', null, 2, '2026-03-05 09:00', null, null, null, null, 'sal'),
    -- L4: never touched (breached), rejected with no reason
    (4, '2026-03-10 08:00', 'paid_social', 'marketing', null, 'SMB', 'DACH', 60,
     '2026-03-10 09:00', '2026-03-10 09:00', 2, null, '2026-03-20 09:00', null, null, null, 'rejected'),
    -- L5: a touch dated before the lead existed (ignored), the real one 48 h after assignment (breached); lost
    (5, '2026-03-12 07:00', 'organic', 'marketing', null, 'Mid-market', 'UK & Ireland', 55,
     '2026-03-12 08:00', '2026-03-12 08:00', 2, '2026-03-14 10:00', null, null, '2026-03-20 09:00', '2026-03-25 09:00', 'lost'),
    -- L6: sales-sourced; under v2 (4 h), touched after 3 h (within), won
    (6, '2026-03-20 08:00', 'outbound', 'sales', null, 'SMB', 'DACH', 90,
     '2026-03-20 09:00', '2026-03-20 09:00', 2, '2026-03-21 09:00', null, null, '2026-03-22 09:00', '2026-03-23 09:00', 'won'),
    -- L7: touched after 6 h under v2 (breached), undecided
    (7, '2026-03-25 08:00', 'paid_search', 'marketing', null, 'SMB', 'DACH', 75,
     '2026-03-25 09:00', '2026-03-25 10:00', 2, null, null, null, null, null, 'mql'),
    -- L8: an inquiry that never became an MQL
    (8, '2026-03-31 20:00', 'content', 'marketing', null, 'SMB', 'DACH', 40,
     null, null, null, null, null, null, null, null, 'inquiry'),
    -- L9: February's only MQL, touched within 24 h and accepted; its deal is still open
    (9, '2026-02-20 09:00', 'paid_search', 'marketing', null, 'SMB', 'DACH', 70,
     '2026-02-20 10:00', '2026-02-20 10:00', 2, '2026-02-21 09:00', null, null, '2026-02-23 09:00', '2026-02-25 09:00', 'opportunity'),
    -- L10: MQL two hours before the period ends, untouched: at "now" (1 Apr 00:00) its 4 h SLA still runs
    (10, '2026-03-31 21:00', 'paid_search', 'marketing', null, 'SMB', 'DACH', 85,
     '2026-03-31 22:00', '2026-03-31 22:00', 2, null, null, null, null, null, 'mql'),
    -- L11: an MQL from before any agreement existed
    (11, '2025-12-15 09:00', 'organic', 'marketing', null, 'SMB', 'DACH', 60,
     '2025-12-15 10:00', '2025-12-15 10:00', 2, null, null, null, null, null, 'mql');

-- campaigns: 10 brought L1, L7, L9, L10; 20 brought L2; 30 brought L4; 40 brought L8
update leads set campaign_id = 10 where lead_id in (1, 7, 9, 10);
update leads set campaign_id = 20 where lead_id = 2;
update leads set campaign_id = 30 where lead_id = 4;
update leads set campaign_id = 40 where lead_id = 8;

insert into campaigns values
    (10, 'Search Q1', 'paid_search', '2026-01-01', '2026-03-31', 3000, true, true),
    (20, 'Webinar March', 'webinar', '2026-03-01', '2026-03-31', 1500, true, false),
    (30, 'Social spring', 'paid_social', '2026-03-01', '2026-05-31', 800, false, null),
    (40, 'Guide', 'content', '2026-03-01', '2026-03-31', 400, null, null);

insert into campaign_feedback (campaign_id, rep_id, rating, comment, given_at) values
    (10, 2, 4, 'Good accounts', '2026-04-02 10:00'),
    (10, 2, 2, 'Many students', '2026-04-03 10:00'),
    (20, 2, 5, 'Decision makers', '2026-04-02 11:00');

insert into follow_ups values
    (101, 1, 2, '2026-03-02 15:00', 'call', 'connected'),
    (201, 2, 2, '2026-03-05 10:00', 'call', 'connected'),
    (301, 3, 2, '2026-03-04 20:00', 'email', 'replied'),
    (501, 5, 2, '2026-03-11 09:00', 'call', 'no_answer'),
    (502, 5, 2, '2026-03-14 08:00', 'call', 'connected'),
    (601, 6, 2, '2026-03-20 12:00', 'call', 'connected'),
    (701, 7, 2, '2026-03-25 16:00', 'email', 'no_reply'),
    (901, 9, 2, '2026-02-20 12:00', 'call', 'connected');

insert into opportunities values
    (1, 1, 2, '2026-03-06', 'won', 10000, '2026-03-20', true),
    (5, 5, 2, '2026-03-25', 'lost', 20000, '2026-03-28', false),
    (6, 6, 2, '2026-03-23', 'won', 5000, '2026-03-30', true),
    (9, 9, 2, '2026-02-25', 'proposal', 4000, null, null),
    (99, null, 2, '2026-02-01', 'won', 3000, '2026-03-15', true),
    (100, null, 2, '2026-03-10', 'discovery', 7000, null, null);

insert into revenue values
    (1, 1, '2026-03-20', 10000),
    (2, 6, '2026-03-30', 5000),
    (3, 99, '2026-03-15', 3000),
    (4, 1, '2026-04-05', 2000);
