-- Schema version 1: the CRM core (people, campaigns, the lead hand-off, touches, deals, revenue)
-- and the jointly agreed definitions. Timestamps are naive UTC; money is in euros.

create table meta (
    key varchar primary key,
    value varchar not null
);

create table reps (
    rep_id integer primary key,
    rep_name varchar not null,
    function varchar not null check (function in ('marketing', 'sales')),
    role varchar not null check (role in ('marketer', 'sdr', 'account_executive', 'head')),
    team varchar,
    region varchar,
    active_from_date date not null,
    active_to_date date
);

create table campaigns (
    campaign_id integer primary key,
    campaign_name varchar not null,
    channel varchar not null,
    start_date date not null,
    end_date date,
    cost_eur decimal(14, 2),
    -- null means "not recorded", which the evidence treats differently from false
    has_sales_at_kickoff boolean,
    has_sales_at_postmortem boolean
);

create table leads (
    lead_id bigint primary key,
    created_at timestamp not null,
    source varchar,
    sourced_by varchar check (sourced_by in ('marketing', 'sales')),
    campaign_id integer,
    segment varchar,
    region varchar,
    lead_score integer check (lead_score between 0 and 100),
    mql_at timestamp,
    assigned_at timestamp,
    owner_rep_id integer,
    accepted_at timestamp,
    rejected_at timestamp,
    rejection_reason varchar,
    sql_at timestamp,
    opportunity_at timestamp,
    status varchar not null check (status in (
        'inquiry', 'mql', 'sal', 'rejected', 'sql', 'opportunity', 'won', 'lost', 'disqualified'
    ))
);

create table follow_ups (
    follow_up_id bigint primary key,
    lead_id bigint not null,
    rep_id integer,
    touched_at timestamp not null,
    channel varchar not null check (channel in ('call', 'email', 'meeting', 'social', 'other')),
    outcome varchar
);

create table opportunities (
    opportunity_id bigint primary key,
    -- null for deals sales opened without a lead: revenue that cannot be traced to a source
    lead_id bigint,
    owner_rep_id integer,
    created_date date not null,
    stage varchar not null,
    amount_eur decimal(14, 2),
    closed_date date,
    is_won boolean
);

create table revenue (
    revenue_id bigint primary key,
    opportunity_id bigint not null,
    booked_date date not null,
    amount_eur decimal(14, 2) not null
);

-- One row per version of the joint agreement; a version holds until the next one takes effect.
-- A null term means the teams had not agreed on it in that version.
create table agreements (
    effective_date date primary key,
    mql_score_threshold integer,
    first_touch_sla_hours double,
    min_attempts integer,
    monthly_mql_target integer,
    monthly_revenue_target_eur decimal(14, 2),
    changed_by varchar,
    changed_at timestamp,
    note varchar
);

-- The agreement in force on a day d is the row with effective_date <= d < next_effective_date.
create view agreement_periods as
select
    agreements.*,
    lead(effective_date) over (order by effective_date) as next_effective_date,
from agreements;
