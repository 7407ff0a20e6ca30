-- one row inserted into assessment_answers per statement of one response
-- parameters: $response_id, $statement_ids and $ratings (lists of the same length, in the same order)
insert into assessment_answers (response_id, statement_id, rating)
select
    $response_id::bigint,
    unnest($statement_ids::varchar[]),
    unnest($ratings::integer[]);
