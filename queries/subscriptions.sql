-- every subscription, the active ones first, with what its outbox holds
select
    s.subscription_id, s.kind, s.channel, s.recipients, s.weekday, s.hour, s.created_by, s.created_at, s.active,
    count(o.message_id) filter (where o.state = 'sent') as sent_count,
    count(o.message_id) filter (where o.state = 'queued') as queued_count,
    count(o.message_id) filter (where o.state = 'failed') as failed_count,
from subscriptions s
left join outbox o using (subscription_id)
group by all
order by s.active desc, s.subscription_id;
