-- each demo action's history, as the meeting page writes it: its creation, and its closing when closed
insert into meeting_action_history (action_id, changed_at, changed_by, field, old_value, new_value)
select action_id, created_at, created_by, 'created', null, title
from meeting_actions
union all
select action_id, closed_at, created_by, 'status', 'open', status
from meeting_actions
where closed_at is not null
