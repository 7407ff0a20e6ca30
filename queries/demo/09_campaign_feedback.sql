-- one row per rating sales gave an ended campaign; better campaigns (hidden quality) rate higher
insert into campaign_feedback (campaign_id, rep_id, rating, comment, given_at)
with rated as (
    select
        c.campaign_id,
        c.end_date,
        least(5, greatest(1, round(3 + 2.4 * nrm(c.campaign_id, 6, s.seed) + 0.7 * nrm(c.campaign_id, 70, s.seed))))::integer
            as rating,
    from campaigns c, demo_settings s
    where c.end_date < s.as_of::date
        and u01(c.campaign_id, 71, s.seed) < s.feedback_share
)
select
    r.campaign_id,
    (select rep_id from reps where function = 'sales' and role = 'head'),
    r.rating,
    ['Leads were mostly students and competitors', 'Few leads had a real project',
     'Mixed: good accounts, weak contacts', 'Good conversations, some budget holders',
     'Strong: decision makers with a project'][r.rating],
    r.end_date + interval 7 day,
from rated r;
