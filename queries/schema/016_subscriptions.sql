-- Schema version 16: the numbers come to people (issue 23). A subscription says what is sent (kind), how (channel)
-- and to whom, and when: the weekly digest on a weekday at an hour of the organisation's time zone. The outbox holds
-- one row per message due, written before the message is sent and marked after, so a run that dies between the two,
-- or a server that refuses, is retried by the next run and nothing is sent twice: the unique key is the promise.
-- Credentials are never here: they stay in .streamlit/secrets.toml.

create sequence subscription_id_seq;
create table subscriptions (
    subscription_id bigint primary key default nextval('subscription_id_seq'),
    -- digest for now; SLA-breach and KPI alerts are keyed by what fired, not by the week
    kind varchar not null check (kind in ('digest', 'sla_breach', 'kpi_alert')),
    channel varchar not null check (channel in ('email', 'slack')),
    recipients varchar[] not null,  -- addresses for email, one incoming-webhook URL each for Slack
    weekday integer check (weekday between 0 and 6),  -- 0 is Monday, as date.weekday()
    hour integer check (hour between 0 and 23),
    created_by varchar,
    created_at timestamp not null,
    active boolean not null default true
);

create sequence outbox_id_seq;
create table outbox (
    message_id bigint primary key default nextval('outbox_id_seq'),
    subscription_id bigint not null,
    period_key varchar not null,  -- a digest's ISO week, such as 2026-W46
    recipient varchar not null,
    state varchar not null check (state in ('queued', 'sent', 'failed')),
    attempts integer not null default 0,
    queued_at timestamp not null,
    next_attempt_at timestamp not null,
    last_error varchar,
    sent_at timestamp,
    unique (subscription_id, period_key, recipient)
);
