-- one row per action on the list of the meeting that reviews the week (held the week after): agreed by then
-- and still open when the week began, so open actions carry over week to week until closed
-- parameters: $start, $end (dates: the reviewed week's Monday and the Monday after), $start_at, $end_at
-- (the same two local midnights as UTC timestamps)
with
listed as (
    select *
    from meeting_actions
    where created_at < $end_at + interval 7 day
        and (closed_at is null or closed_at >= $start_at)
),
final as (
    select
        action_id,
        title,
        owner,
        owner_function,
        due_date,
        -- the status it has now: an action closed since still shows, as closed, on that week's list
        status,
        -- due by the end of the meeting week; overdue when it was due before the meeting week began
        status = 'open' and due_date < $end::date + 7 as is_due,
        status = 'open' and due_date < $end::date as is_overdue,
        created_at,
        created_by,
        closed_at,
    from listed
)
select * from final
order by status = 'open' desc, due_date nulls last, action_id
