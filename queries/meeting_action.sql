-- one row: an action as it stands, read inside the transaction that changes it
-- parameters: $action_id
select action_id, title, owner, owner_function, due_date, status, closed_at
from meeting_actions
where action_id = $action_id
