-- one row per refused file row and reason of one import: the row as it was in the file, as JSON
-- parameters: $import_id
select
    row_number,
    column_name,
    reason,
    raw_row,
from import_rejects
where import_id = $import_id
order by row_number, column_name
