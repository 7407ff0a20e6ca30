-- Schema version 5: imports of a team's own CRM and marketing exports. Each import is recorded;
-- the rows it refused are kept with their reasons; a CRM's own identifiers map to Handshake's ids.

-- An export names a rep by name and a deal by a code such as "1C1I7A6R": such facts are all a file
-- may hold, so a rep may come without function or role and a deal not yet engaged without a date.
alter table reps alter column function drop not null;
alter table reps alter column role drop not null;
alter table reps alter column active_from_date drop not null;
alter table opportunities alter column created_date drop not null;

-- The identifier a record has in the system it came from (any text) and the id it has here, so
-- importing the same file again updates the same rows, and a follow-up finds its lead by the CRM's id.
create table source_keys (
    kind varchar not null check (kind in ('leads', 'follow_ups', 'opportunities', 'revenue', 'campaigns', 'reps')),
    source_key varchar not null,
    id bigint not null,
    primary key (kind, source_key)
);

create sequence import_id_seq;
create table imports (
    import_id bigint primary key default nextval('import_id_seq'),
    file_name varchar not null,
    content_sha256 varchar not null,
    kind varchar not null,
    mapping varchar not null,
    imported_at timestamp not null,
    imported_by varchar,
    seconds double,
    rows_read bigint not null,
    accepted bigint not null,
    rejected bigint not null,
    inserted bigint not null,
    updated bigint not null,
    unchanged bigint not null,
    -- one line per warning, as the report showed them
    warnings varchar
);

-- Quarantine: one row per refused file row and reason, with the row as it was in the file (JSON).
create table import_rejects (
    import_id bigint not null,
    row_number bigint not null,
    column_name varchar,
    reason varchar not null,
    raw_row varchar
);
