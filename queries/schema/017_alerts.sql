-- Schema version 17: alerts beside the digest (issue 23). An SLA-breach alert goes out daily at its hour: each
-- owner gets only their own leads on the accountability list, a head of team the summary of their team, and the
-- leads without an owner go to the subscription's own recipients. A KPI alert says when a rule on a glossary KPI
-- (for a segment, region or source, or the whole organisation) starts to hold, and once: its state is kept.
-- The outbox's period_key is a local day for a breach alert and the week the rule started to hold for a KPI alert.

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
