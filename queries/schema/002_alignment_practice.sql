-- Schema version 2: the habits of alignment that the CRM does not hold: sales' feedback on campaigns,
-- the self-assessment rounds and answers, and the weekly joint meeting's actions with their history.

create sequence campaign_feedback_id_seq;
create table campaign_feedback (
    feedback_id bigint primary key default nextval('campaign_feedback_id_seq'),
    campaign_id integer not null,
    rep_id integer,
    rating integer not null check (rating between 1 and 5),
    comment varchar,
    given_at timestamp not null
);

create table assessment_rounds (
    round_id varchar primary key,
    opened_at timestamp not null,
    closed_at timestamp
);

create sequence assessment_response_id_seq;
create table assessment_responses (
    response_id bigint primary key default nextval('assessment_response_id_seq'),
    round_id varchar not null,
    questionnaire_version varchar not null,
    function varchar not null check (function in ('marketing', 'sales', 'other')),
    level varchar not null check (level in ('head', 'staff')),
    submitted_at timestamp not null
);

create table assessment_answers (
    response_id bigint not null,
    statement_id varchar not null,
    rating integer not null check (rating between 1 and 5),
    primary key (response_id, statement_id)
);

create sequence meeting_action_id_seq;
create table meeting_actions (
    action_id bigint primary key default nextval('meeting_action_id_seq'),
    title varchar not null,
    owner varchar not null,
    owner_function varchar check (owner_function in ('marketing', 'sales', 'joint')),
    due_date date,
    status varchar not null check (status in ('open', 'done', 'dropped')),
    created_at timestamp not null,
    created_by varchar,
    closed_at timestamp
);

create table meeting_action_history (
    action_id bigint not null,
    changed_at timestamp not null,
    changed_by varchar,
    field varchar not null,
    old_value varchar,
    new_value varchar
);
