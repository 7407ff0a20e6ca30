-- one row per import, newest first: the file, what it held, how its rows fared and how long it took
-- parameters: none
select
    import_id,
    imported_at,
    file_name,
    kind,
    mapping,
    rows_read,
    accepted,
    rejected,
    inserted,
    updated,
    unchanged,
    seconds,
    imported_by,
    warnings,
from imports
order by imported_at desc, import_id desc
