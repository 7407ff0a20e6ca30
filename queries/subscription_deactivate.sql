update subscriptions set active = false
where subscription_id = $subscription_id and active
returning subscription_id;
