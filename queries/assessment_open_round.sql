-- one row inserted into assessment_rounds: a round opened now (nothing happens if it exists)
-- parameters: $round_id, $opened_at
insert or ignore into assessment_rounds (round_id, opened_at)
values ($round_id, $opened_at::timestamp);
