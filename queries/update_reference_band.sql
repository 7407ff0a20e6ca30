-- one row changed: a reference band edited by the team
-- parameters: $transition, $low_rate, $high_rate, $changed_by, $changed_at
update reference_bands
set low_rate = $low_rate, high_rate = $high_rate, changed_by = $changed_by, changed_at = $changed_at
where transition = $transition
