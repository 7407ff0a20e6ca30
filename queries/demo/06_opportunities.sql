-- one row per deal: those converted from leads, plus deals sales opened with no lead in the CRM
insert into opportunities
with from_leads as (
    select
        f.lead_id as opportunity_id,
        f.lead_id,
        f.region,
        f.ae_slot,
        f.opportunity_at,
        f.closed_at,
        f.close_true_at,
        f.would_win,
        f.deal_amount_eur,
    from demo_lead_facts f
    where f.opportunity_at is not null
),
without_leads as (
    -- a copy of a share of the real deals under new ids: sales-sourced deals look like the others
    select
        s.lead_count + o.opportunity_id as opportunity_id,
        null::bigint as lead_id,
        o.region,
        floor(u01(o.opportunity_id, 50, s.seed) * s.aes_per_region)::integer as ae_slot,
        o.opportunity_at - interval 3 day as opportunity_at,
        o.closed_at,
        o.close_true_at,
        u01(o.opportunity_id, 51, s.seed) < 0.3 as would_win,
        o.deal_amount_eur,
    from from_leads o, demo_settings s
    where u01(o.opportunity_id, 52, s.seed) < s.unlinked_opp_share / (1 - s.unlinked_opp_share)
),
deals as (
    select * from from_leads
    union all
    select * from without_leads
)
select
    d.opportunity_id,
    d.lead_id,
    r.rep_id as owner_rep_id,
    d.opportunity_at::date as created_date,
    case
        when d.closed_at is not null and d.would_win then 'won'
        when d.closed_at is not null then 'lost'
        when epoch(s.as_of - d.opportunity_at) < epoch(d.close_true_at - d.opportunity_at) / 3 then 'discovery'
        when epoch(s.as_of - d.opportunity_at) < epoch(d.close_true_at - d.opportunity_at) * 2 / 3 then 'proposal'
        else 'negotiation'
    end as stage,
    d.deal_amount_eur as amount_eur,
    d.closed_at::date as closed_date,
    case when d.closed_at is not null then d.would_win end as is_won,
from deals d
cross join demo_settings s
left join demo_rep_slots r on r.role = 'account_executive' and r.region = d.region and r.slot = d.ae_slot;
