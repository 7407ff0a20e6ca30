-- Schema version 12: the zone an import read its times without an offset in.
-- A time such as "2026-03-14 09:30" is read in the organisation's zone in force at import and stored in UTC; when
-- the zone changes later, those stored moments are an hour or more off. Recording the zone lets the Warehouse page
-- and `python -m handshake settings` say which imports a change of zone leaves wrong, before it is made.
-- Null: the file had no such time, its mapping named its own zone, or it was imported before version 12.
alter table imports add column naive_times_zone varchar;
