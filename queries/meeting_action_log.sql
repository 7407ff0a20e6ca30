-- one row inserted into meeting_action_history: a field of an action changed, from what to what, when and by whom
-- parameters: $action_id, $changed_at, $changed_by, $field, $old_value, $new_value
insert into meeting_action_history (action_id, changed_at, changed_by, field, old_value, new_value)
values ($action_id, $changed_at, $changed_by, $field, $old_value, $new_value)
