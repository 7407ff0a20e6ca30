-- one row changed in meeting_actions: every field written at once, after merging the edit into what is stored
-- parameters: $action_id, $title, $owner, $owner_function, $due_date, $status, $closed_at
update meeting_actions
set title = $title,
    owner = $owner,
    owner_function = $owner_function,
    due_date = $due_date,
    status = $status,
    closed_at = $closed_at
where action_id = $action_id
