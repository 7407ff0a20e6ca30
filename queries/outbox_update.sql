-- one row changed in outbox: a message's state after an attempt (sent, waiting for its next attempt, or failed)
-- parameters: $message_id, $state, $attempts, $next_attempt_at, $last_error, $sent_at
update outbox set
    state = $state, attempts = $attempts, next_attempt_at = $next_attempt_at, last_error = $last_error,
    sent_at = $sent_at
where message_id = $message_id;
