-- one row per recorded change of an action, newest first
-- parameters: $action_id
select changed_at, changed_by, field, old_value, new_value
from meeting_action_history
where action_id = $action_id
order by changed_at desc, field
