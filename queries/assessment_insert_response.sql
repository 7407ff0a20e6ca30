-- one row inserted into assessment_responses: function and level only, never a name; returns its id
-- parameters: $round_id, $questionnaire_version, $function, $level, $submitted_at
insert into assessment_responses (round_id, questionnaire_version, function, level, submitted_at)
values ($round_id, $questionnaire_version, $function, $level, $submitted_at::timestamp)
returning response_id;
