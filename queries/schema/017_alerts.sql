-- Schema version 17: alerts beside the digest (issue 23). An SLA-breach alert goes out daily at its hour: each
-- owner gets only their own leads on the accountability list, a head of team the summary of their team; the leads
-- without an owner go to whoever the agreement in force names (agreements.unowned_leads_to), else to the
-- subscription's own recipients, who also get the leads of reps it has no address for. A KPI alert says when a rule on a glossary KPI
-- (for a segment, region or source, or the whole organisation) starts to hold, and once: its state is kept.
-- The outbox's period_key is a local day for a breach alert and the week the rule started to hold for a KPI alert.

-- who takes the MQLs without an owner, as the joint agreement names them (an address); each version says it again
alter table agreements add column unowned_leads_to varchar;

alter table subscriptions add column with_csv boolean not null default false;  -- a digest's CSVs, on request
alter table subscriptions add column kpi varchar;
alter table subscriptions add column rule varchar;  -- below, above, change_pct, change_points
alter table subscriptions add column threshold double;
alter table subscriptions add column segment varchar;
alter table subscriptions add column region varchar;
alter table subscriptions add column source varchar;

-- who an SLA-breach alert reaches by name: a rep's own leads, or a head's summary of their team
create table subscription_people (
    subscription_id bigint not null,
    person varchar not null,  -- as reps.rep_name
    address varchar not null,
    primary key (subscription_id, person)
);

-- a KPI alert's rule as last checked: a message is queued only when it starts to hold
create table kpi_alert_state (
    subscription_id bigint primary key,
    holds boolean not null,
    since_key varchar,  -- the week it started to hold (the outbox's period_key), null while it does not
    value double,
    compared_value double,
    checked_at timestamp not null
);
