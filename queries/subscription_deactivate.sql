-- one row changed in subscriptions: a subscription removed (kept inactive, with its outbox); returns its id if it
-- was active
-- parameters: $subscription_id
update subscriptions set active = false
where subscription_id = $subscription_id and active
returning subscription_id;
