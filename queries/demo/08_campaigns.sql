-- one row per campaign (a channel's programme for one calendar quarter), with its cost and whether
-- sales took part in the kick-off and, once it ended, the post-mortem
insert into campaigns
with channels as (
    select * from (values
        (1, 'paid_search', 'Search', 400.0),
        (2, 'paid_social', 'Social ads', 300.0),
        (3, 'content', 'Guide', 200.0),
        (4, 'webinar', 'Webinar series', 500.0),
        (5, 'events', 'Roadshow', 1200.0)
    ) t(channel_index, channel, label, cost_per_lead_eur)
),
themes as (
    select ['Cloud costs', 'Security first', 'Data platform', 'AI readiness', 'Customer 360', 'Compliance']
        as names
),
campaign_leads as (
    select campaign_id, count(*) as lead_count
    from demo_lead_facts
    where campaign_id is not null
    group by campaign_id
),
described as (
    select
        c.campaign_id,
        ch.channel,
        ch.label,
        ch.cost_per_lead_eur,
        c.lead_count,
        make_date(c.campaign_id // 100, ((c.campaign_id // 10) % 10) * 3 - 2, 1) as start_date,
    from campaign_leads c
    join channels ch on ch.channel_index = c.campaign_id % 10
)
select
    d.campaign_id,
    d.label || ': ' || t.names[1 + (hash(d.campaign_id, 60, s.seed) % 6)::integer]
        || ' Q' || ((d.campaign_id // 10) % 10) || ' ' || (d.campaign_id // 100) as campaign_name,
    d.channel,
    d.start_date,
    (d.start_date + interval 3 month - interval 1 day)::date as end_date,
    round(d.lead_count * d.cost_per_lead_eur * exp(0.3 * nrm(d.campaign_id, 61, s.seed)), 2) as cost_eur,
    u01(d.campaign_id, 62, s.seed) < s.kickoff_share as has_sales_at_kickoff,
    case when d.start_date + interval 3 month <= s.as_of
        then u01(d.campaign_id, 63, s.seed) < s.postmortem_share end as has_sales_at_postmortem,
from described d, themes t, demo_settings s;
