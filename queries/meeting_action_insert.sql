-- one row inserted into meeting_actions: a new open action; returns its id
-- parameters: $title, $owner, $owner_function, $due_date, $created_at, $created_by
insert into meeting_actions (title, owner, owner_function, due_date, status, created_at, created_by)
values ($title, $owner, $owner_function, $due_date, 'open', $created_at, $created_by)
returning action_id
