-- one row (or none) changed in outbox: a run takes a message for one attempt, only if no other run has taken it
-- since it was read, so two runs at once never send it twice
-- parameters: $message_id, $attempts (as read), $next_attempt_at (when it may be tried again if this attempt dies),
-- $last_error
update outbox set
    attempts = $attempts + 1, next_attempt_at = $next_attempt_at, last_error = $last_error
where message_id = $message_id and attempts = $attempts and state = 'queued'
returning message_id;
