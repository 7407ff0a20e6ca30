-- one row updated per open round other than the one just opened: it is closed, never deleted
-- parameters: $round_id, $closed_at
update assessment_rounds
set closed_at = $closed_at::timestamp
where closed_at is null
    and round_id <> $round_id;
