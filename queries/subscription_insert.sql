-- one row inserted into subscriptions: a new active subscription; returns its id
-- parameters: $kind, $channel, $recipients, $weekday, $hour, $created_by, $created_at,
-- $kpi, $rule, $threshold, $segment, $region, $source (a KPI alert's rule and filter; null for other kinds)
insert into subscriptions (kind, channel, recipients, weekday, hour, created_by, created_at,
                           kpi, rule, threshold, segment, region, source)
values ($kind, $channel, $recipients, $weekday, $hour, $created_by, $created_at,
        $kpi, $rule, $threshold, $segment, $region, $source)
returning subscription_id;
