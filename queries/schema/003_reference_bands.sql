-- Schema version 3: published conversion ranges shown beside the organisation's own rates.
-- They are references from secondary sources (DOMAIN.md), never targets, and a team may edit them.

create table reference_bands (
    transition varchar primary key,
    low_rate double not null check (low_rate between 0 and 1),
    high_rate double not null check (high_rate between 0 and 1),
    source varchar not null,
    changed_by varchar,
    changed_at timestamp,
    check (low_rate <= high_rate)
);

insert into reference_bands (transition, low_rate, high_rate, source) values
    ('inquiry_to_mql', 0.10, 0.25, 'Secondary sources on the SiriusDecisions waterfall; Forrester says no universal benchmark exists'),
    ('mql_to_sal', 0.40, 0.60, 'Secondary sources on the SiriusDecisions waterfall; Forrester says no universal benchmark exists'),
    ('sal_to_sql', 0.50, 0.70, 'Secondary sources on the SiriusDecisions waterfall; Forrester says no universal benchmark exists'),
    ('sql_to_won', 0.20, 0.30, 'Secondary sources on the SiriusDecisions waterfall; Forrester says no universal benchmark exists');
