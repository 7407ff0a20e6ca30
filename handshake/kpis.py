"""The shared KPIs: what each one means, where its number comes from, and the headline set for a period."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Kpi:
    name: str  # the column of its query, and its key in `python -m handshake kpis`
    label: str
    unit: str  # a key of UNITS: "count", "rate" (a 0-1 share shown as %), "money", "hours", "days", "ratio", "score"
    query: str
    owner: str  # "marketing", "sales" or "shared"
    definition: str
    formula: str
    target: str | None = None  # the column holding the KPI's target, when it has one
    # True when the value keeps rising as the period's leads age (cohort rates), so a recent period
    # trails an older one by construction and a fall against the previous period is no news.
    matures: bool = False
    # which way is good news: "higher", "lower", or None when a change is neither (spend, say)
    better: str | None = "higher"
    # the inputs (keys of INPUTS) without which its number would mislead: 0% SLA compliance from a
    # warehouse that holds no follow-ups at all says sales never called, when nobody imported the calls
    needs: tuple[str, ...] = ()
    # an estimate computed in Python from its query's rows (a function of handshake/evidence.py), not a column
    computed_by: str | None = None


# What a KPI may need, checked over the whole warehouse by queries/data_inputs.sql: the column that
# counts it, what to say when it is missing, and where to fix that.
INPUTS = {
    "follow_ups": ("follow_up_count", "No follow-ups imported",
                   "Import a follow-ups file on the Import data page."),
    "agreement": ("agreement_count", "No joint agreement recorded",
                  "Record the MQL threshold, first-touch SLA and targets on the Definitions page."),
    "opportunities": ("opportunity_count", "No opportunities imported",
                      "Import an opportunities file on the Import data page."),
    "pipeline": ("pipeline_deal_count", "Only won deals imported",
                 "Import the open and lost deals too (or the won ones with their created dates)."),
    "revenue": ("revenue_count", "No revenue imported", "Import a revenue file on the Import data page."),
    "campaign_costs": ("costed_campaign_count", "No campaign costs recorded",
                       "Import a campaigns file with costs on the Import data page."),
    "decisions": ("decided_lead_seen", "No lead accepted or rejected",
                  "Import leads with sales' decisions (a time accepted or rejected, or a status such as "
                  "HubSpot's Lead Status) on the Import data page."),
    # The stages of the waterfall, each by its own record: a step into a stage no lead records is not
    # measured, whatever later stages say (an export of won deals alone holds no SQLs or opportunities).
    "inquiries": ("inquiry_only_count", "Every lead in the warehouse is an MQL",
                  "Import the leads that did not qualify too, so the share that did can be measured."),
    "sql_stage": ("sql_record_count", "No lead records the SQL stage",
                  "Import leads with the time they became sales-qualified (or a status that says so)."),
    "opportunity_stage": ("opportunity_record_count", "No lead records the opportunity stage",
                          "Import deals with their created dates, or the lost and open ones besides the won."),
    "outcomes": ("outcome_record_count", "No won or lost deal and no lead recorded as won",
                 "Import deals (opportunities), or leads whose status says they were won."),
}


# The glossary: every KPI Handshake shows, once. Each area's page adds its own section below.
HEADLINE = (
    Kpi(
        "mql_count", "MQLs delivered", "count", "kpi_mql_cohort", "marketing",
        "Leads that became marketing-qualified (MQL) in the period: the leads the CRM marked as MQLs, on the day it "
        "marked them. The agreed MQL score threshold is not applied to them but checked against them: the MQLs "
        "handed over below it are counted under data health (MQLs below the agreed score).",
        "count of leads with an MQL time in the period",
        target="mql_target",
    ),
    Kpi(
        "sla_compliance_rate", "First touch within SLA", "rate", "kpi_mql_cohort", "sales",
        "Share of the period's MQLs that sales first touched within the first-touch SLA in force when "
        "the lead became an MQL, counted from assignment (or from MQL when the hand-off time is missing). "
        "Leads whose SLA clock is still running are not judged yet; MQLs with no SLA agreed are left out.",
        "touched within SLA / (touched within SLA + breached)",
        needs=("follow_ups", "agreement"),
    ),
    Kpi(
        "acceptance_rate", "Acceptance rate", "rate", "kpi_mql_cohort", "shared",
        "Of the period's MQLs that sales has decided on, the share it accepted (SAL) rather than rejected. "
        "MQLs still undecided are left out, so slow follow-up does not pass for bad leads.",
        "accepted / (accepted + rejected)",
        needs=("decisions",),
    ),
    Kpi(
        "mql_to_won_rate", "MQL to won", "rate", "kpi_mql_cohort", "shared",
        "Share of the period's MQLs won so far: a won deal linked to the lead, or, where the export holds no "
        "deal for it, the lead's own record (a status such as HubSpot's lifecycle stage Customer, or the time it "
        "became a customer). Recent periods rise as their deals close: compare periods of the same age.",
        "MQLs won (a won deal, or a lead recorded as won) / MQLs",
        matures=True,
        needs=("outcomes",),
    ),
    Kpi(
        "open_pipeline_eur", "Open pipeline", "money", "kpi_open_pipeline", "sales",
        "Value of the opportunities open at the end of the period: created before it ended and not closed by then.",
        "sum of amount over opportunities open at period end",
        needs=("opportunities", "pipeline"),
    ),
    Kpi(
        "revenue_eur", "Revenue", "money", "kpi_revenue", "shared",
        "Revenue booked in the period, from won deals.",
        "sum of bookings dated in the period",
        target="revenue_target_eur",
        needs=("revenue",),
    ),
    Kpi(
        "marketing_sourced_revenue_share", "Marketing-sourced", "rate", "kpi_revenue", "marketing",
        "Marketing-sourced revenue: the share of the period's revenue whose deal traces back to a lead that "
        "marketing generated. Revenue from deals with no lead counts in the total but for neither side.",
        "revenue from marketing-sourced leads / all revenue",
        needs=("revenue",),
    ),
    # what a HubSpot or Salesforce user looks for beside the hand-off: the deals closed in the period
    Kpi(
        "win_rate", "Win rate", "rate", "kpi_deals", "sales",
        "Of the deals closed in the period, the share won rather than lost, whatever their lead. A deal closed "
        "without saying whether it was won counts as neither. Not measured when the warehouse holds no lost deal "
        "at all: an export of won deals alone would read 100%.",
        "deals won / (deals won + deals lost), closed in the period",
        needs=("opportunities", "pipeline"),
    ),
    Kpi(
        "avg_deal_size_eur", "Avg deal size", "money", "kpi_deals", "sales",
        "Average deal size: the value of the deals won in the period (their amount in the CRM), per deal won. "
        "A won deal recorded without an amount is left out.",
        "sum of the amounts of deals won in the period / deals won in the period with an amount",
        needs=("opportunities",),
    ),
    Kpi(
        "sales_cycle_days", "Sales cycle", "days", "kpi_deals", "sales",
        "How long the deals won in the period took to win: the median number of days from the opportunity's "
        "creation to its close. Half took longer. Won deals without a created date are left out.",
        "median over deals won in the period of (close date - created date), in days",
        better="lower",
        needs=("opportunities", "pipeline"),
    ),
)

FUNNEL = (
    Kpi(
        "inquiry_to_mql_rate", "Inquiry to MQL", "rate", "funnel_by_cohort", "marketing",
        "Of the leads that arrived in the period, the share that has become marketing-qualified so far. Not "
        "measured when every lead in the warehouse is an MQL: an export of MQLs alone holds no inquiry that did "
        "not qualify.",
        "leads that reached MQL / leads that arrived",
        needs=("inquiries",),
    ),
    Kpi(
        "mql_to_sal_rate", "MQL to SAL", "rate", "funnel_by_cohort", "shared",
        "Of the period's arriving leads that became MQLs, the share sales has accepted so far. Unlike the "
        "acceptance rate, undecided MQLs stay in the denominator: this is the hand-off's throughput. A lead that "
        "reached a later stage counts as accepted; when no lead in the warehouse records a decision (a time, or a "
        "status such as HubSpot's Lead Status), the step is not measured rather than inferred from later stages.",
        "leads that reached SAL / leads that reached MQL",
        needs=("decisions",),
    ),
    Kpi(
        "sal_to_sql_rate", "SAL to SQL", "rate", "funnel_by_cohort", "sales",
        "Of the accepted leads, the share sales has qualified (SQL) so far.",
        "leads that reached SQL / leads that reached SAL",
        needs=("decisions", "sql_stage"),
    ),
    Kpi(
        "sql_to_opportunity_rate", "SQL to opportunity", "rate", "funnel_by_cohort", "sales",
        "Of the sales-qualified leads, the share that became an opportunity so far.",
        "leads that reached opportunity / leads that reached SQL",
        needs=("sql_stage", "opportunity_stage"),
    ),
    Kpi(
        "opportunity_to_won_rate", "Opportunity to won", "rate", "funnel_by_cohort", "sales",
        "Of the leads that became opportunities, the share won so far; open deals stay in the denominator.",
        "won leads / leads that reached opportunity",
        needs=("opportunity_stage", "outcomes"),
    ),
    Kpi(
        "sql_to_won_rate", "SQL to won", "rate", "funnel_by_cohort", "sales",
        "Of the sales-qualified leads, the share won so far: the step the published SQL-to-won range describes.",
        "won leads / leads that reached SQL",
        needs=("sql_stage", "outcomes"),
    ),
    Kpi(
        "median_days_in_stage", "Median days in stage", "days", "funnel_stage_times", "shared",
        "For the period's arriving leads that made a step with both times recorded, the median time it took; "
        "the last row, inquiry to won, is the sales cycle. Leads that made a step without one of its times (a "
        "decision or a win recorded without a date) or with times in the wrong order (a deal won before its lead "
        "was created) are left out and counted beside the time. A step whose two times are the same for every lead "
        "(one date for both stages) measured nothing and reads not measured.",
        "median of (time the lead reached the next stage - time it reached this one), in days",
        better='lower',
    ),
    Kpi(
        "p90_days_in_stage", "90th-percentile days in stage", "days", "funnel_stage_times", "shared",
        "The time within which nine in ten of the leads that made a step made it: the slow tail.",
        "90th percentile of the step's duration, in days",
        better='lower',
    ),
)

FOLLOW_UP = (
    Kpi(
        "first_touch_median_hours", "Median time to first touch", "hours", "follow_up_summary", "sales",
        "SLA time: how long the period's MQLs waited for sales' first touch, counted from assignment (or from "
        "MQL when the hand-off time is missing): the rep's own time, on the clock the SLA runs on. Half waited "
        "longer. Only touched MQLs count (the never touched are counted apart); a touch before assignment "
        "counts as 0 hours and one dated before the lead existed is ignored.",
        "median over touched MQLs of (first touch - coalesce(assigned, MQL)), in hours",
        better='lower',
        needs=("follow_ups",),
    ),
    Kpi(
        "first_touch_p90_hours", "P90 time to first touch", "hours", "follow_up_summary", "sales",
        "The slow tail of SLA time: nine in ten of the period's touched MQLs got their first touch within this "
        "many hours of assignment (or MQL without a recorded hand-off).",
        "90th percentile (interpolated) over touched MQLs of (first touch - coalesce(assigned, MQL)), in hours",
        better='lower',
        needs=("follow_ups",),
    ),
    Kpi(
        "speed_to_lead_median_hours", "Median speed to lead", "hours", "follow_up_summary", "shared",
        "How long the period's touched MQLs waited for a first touch from the moment the lead was created: "
        "unlike SLA time it includes the system's delay (scoring, routing, batch syncs into the CRM), which "
        "both teams own. The research on lead decay (Oldroyd, MIT/InsideSales 2007; HBR 2011) is about this clock.",
        "median over touched MQLs of (first touch - lead created), in hours",
        better='lower',
        needs=("follow_ups",),
    ),
    Kpi(
        "touched_within_24h_rate", "First touch within 24 h", "rate", "follow_up_summary", "sales",
        "Share of the period's MQLs first touched within 24 hours of assignment (or MQL): HubSpot's "
        "accountability rule, a fixed reference that means the same whatever SLA was agreed, or none. "
        "Untouched MQLs still inside their first 24 hours are not judged yet.",
        "touched within 24 h / (touched within 24 h + touched later or still untouched after 24 h)",
        needs=("follow_ups",),
    ),
    Kpi(
        "follow_up_rate", "Follow-up rate", "rate", "follow_up_summary", "sales",
        "Share of the period's MQLs that sales has touched at least once (any call, email, meeting or "
        "message recorded), whenever it happened. Answers marketing's 'our leads are not followed up'.",
        "MQLs with a touch / MQLs",
        needs=("follow_ups",),
    ),
    Kpi(
        "never_touched_count", "Never touched", "count", "follow_up_summary", "sales",
        "The period's MQLs with no sales touch recorded at all (a touch dated before the lead existed does not "
        "count). Includes MQLs that arrived so recently their SLA still runs, and MQLs rejected unworked; "
        "shown with its share of MQLs, 1 - follow-up rate.",
        "MQLs - MQLs with a touch",
        better='lower',
        needs=("follow_ups",),
    ),
    Kpi(
        "avg_attempt_count", "Attempts before decision", "count", "follow_up_summary", "sales",
        "Of the period's MQLs that sales has accepted or rejected, the average number of touches recorded "
        "up to that decision. Undecided MQLs are left out.",
        "sum of touches up to acceptance or rejection / MQLs accepted or rejected",
        needs=("follow_ups", "decisions"),
    ),
    Kpi(
        "early_give_up_rate", "Given up too early", "rate", "follow_up_summary", "sales",
        "Of the period's MQLs rejected as 'unable to reach', the share rejected after fewer attempts than the "
        "minimum agreed when the lead became an MQL. A rejection for that reason is allowed only after the "
        "agreed attempts. MQLs with no minimum agreed are left out.",
        "unable-to-reach rejections with attempts < agreed minimum / unable-to-reach rejections with a minimum",
        better='lower',
        needs=("follow_ups", "agreement", "decisions"),
    ),
)

LEAD_QUALITY = (
    Kpi(
        "rejection_reason_rate", "Rejections with a reason", "rate", "rejection_summary", "sales",
        "Of the period's MQLs that sales rejected, the share whose rejection carries a reason (unable to "
        "reach, bad data, no need, no budget, no fit or another recorded reason). A rejection without a "
        "reason tells marketing nothing it can act on.",
        "rejected MQLs with a reason / rejected MQLs",
        needs=("decisions",),
    ),
    Kpi(
        "revenue_per_mql_eur", "Revenue per MQL", "money", "quality_by_dimension", "shared",
        "Revenue booked so far from the period's MQLs (every booking of their opportunities, whenever "
        "booked), spread over all of them, open and lost ones included. Shown by source, campaign and "
        "lead-score band to say which leads are worth most; recent periods rise as their deals close.",
        "revenue of the period's MQLs / MQLs",
        needs=("revenue",),
    ),
)

CAMPAIGNS = (
    Kpi(
        "campaign_cost_eur", "Campaign cost", "money", "campaign_performance", "marketing",
        "What the campaigns cost in the period. A campaign's cost is spread evenly over the days of its run, "
        "so a period holds the share of its days that fall inside it; a campaign with no end date spreads "
        "its cost so far over its days so far. Unknown when a campaign that ran has no cost recorded. "
        "Under a segment, region or source filter each campaign's cost is shared out by the share of its leads "
        "the filter keeps (10 of its 40 leads: a quarter of its cost).",
        "sum of cost x (days of the run inside the period / days of the run)",
        better=None,
        needs=("campaign_costs",),
    ),
    Kpi(
        "cost_per_mql_eur", "Cost per MQL", "money", "campaign_performance", "marketing",
        "Campaign cost in the period over the campaigns' leads that became MQLs in it. Under filters, the cost "
        "shared out by the filtered share of each campaign's leads.",
        "campaign cost / MQLs from campaign leads",
        better='lower',
        needs=("campaign_costs",),
    ),
    Kpi(
        "pipeline_sourced_eur", "Pipeline from campaigns", "money", "campaign_performance", "marketing",
        "Value of the opportunities opened in the period on leads that a campaign brought, whether since "
        "won, lost or still open.",
        "sum of amount over opportunities created in the period whose lead has a campaign",
        needs=("opportunities",),
    ),
    Kpi(
        "revenue_sourced_eur", "Revenue from campaigns", "money", "campaign_performance", "marketing",
        "Revenue booked in the period from deals whose lead a campaign brought, whenever the lead arrived. "
        "A subset of marketing-sourced revenue: leads marketing generated outside any campaign are not in it.",
        "sum of bookings dated in the period, traced revenue -> deal -> lead -> campaign",
        needs=("revenue",),
    ),
    Kpi(
        "return_on_spend", "Return on spend", "ratio", "campaign_performance", "shared",
        "Revenue from campaigns booked in the period for each unit of campaign cost in it (both in the organisation's currency). Deals close "
        "months after the spend, so a recent period or a running campaign shows a low return that grows. "
        "Under filters, over the cost shared out by the filtered share of each campaign's leads.",
        "revenue from campaigns / campaign cost",
        needs=("campaign_costs", "revenue"),
    ),
    Kpi(
        "customer_acquisition_cost_eur", "Customer acquisition cost", "money", "campaign_performance", "shared",
        "Campaign cost in the period for each customer won in it: campaign leads whose deal was won in the "
        "period. Leads still open are not customers yet. Campaign cost only, not sales' own cost; under "
        "filters, the cost shared out by the filtered share of each campaign's leads.",
        "campaign cost / campaign leads with a deal won in the period",
        better='lower',
        needs=("campaign_costs", "opportunities"),
    ),
    Kpi(
        "sales_kickoff_rate", "Sales at kick-off", "rate", "campaign_performance", "sales",
        "Of the campaigns that ran in the period and whose kick-off attendance was recorded, the share "
        "that sales attended. Campaigns with nothing recorded are left out and counted apart.",
        "campaigns with sales at kick-off / campaigns with kick-off attendance recorded",
    ),
    Kpi(
        "sales_postmortem_rate", "Sales at post-mortem", "rate", "campaign_performance", "sales",
        "Of the campaigns that ran in the period, ended by its end and whose post-mortem attendance was "
        "recorded, the share that sales attended. A running campaign has no post-mortem yet.",
        "ended campaigns with sales at post-mortem / ended campaigns with post-mortem attendance recorded",
    ),
    Kpi(
        "sales_campaign_rating", "Sales' campaign rating", "score", "campaign_performance", "sales",
        "Sales' average rating (1 to 5) of the campaigns that ran in the period, over every rating "
        "given to them whenever it was given, so each rating weighs the same.",
        "sum of ratings / number of ratings, from campaign_feedback",
    ),
    Kpi(
        "pipeline_coverage_ratio", "Pipeline coverage", "ratio", "pipeline_coverage", "shared",
        "Open pipeline at the end of the period over the revenue target of the 90 days after it, taken "
        "from the agreement in force on the period's last day. 3x is a common rule of thumb, not a "
        "target. Under a region or segment filter, the target agreed for it; empty when none was agreed.",
        "open pipeline at period end / revenue target of the next 90 days",
        needs=("opportunities", "agreement"),
    ),
    Kpi(
        "lead_velocity_rate", "Lead velocity rate", "rate", "lead_velocity", "marketing",
        "Growth of MQLs month on month, over whole calendar months. Only like for like while the MQL "
        "definition is unchanged: months where the agreed MQL score threshold changed (in the month or "
        "the one before) are marked. A month not over yet gets no rate.",
        "(this month's MQLs - last month's MQLs) / last month's MQLs",
    ),
)

# How complete an imported CRM export is. Each is a share of records that carry what a KPI needs;
# a low one says which numbers elsewhere to distrust, before anyone argues over them.
DATA_HEALTH = (
    Kpi(
        "lead_source_rate", "Leads with a source", "rate", "data_health", "marketing",
        "Of the leads created in the period, the share that records where the lead came from. Without a "
        "source, conversion and revenue by source cannot be credited to a channel.",
        "leads with a source / leads created in the period",
    ),
    Kpi(
        "mql_owner_rate", "MQLs with an owner", "rate", "data_health", "sales",
        "Of the leads created in the period that became MQLs, the share assigned to a sales rep. An MQL without "
        "an owner waits for nobody: it is missing from the accountability list and every rep's numbers. "
        "Inquiries are left out: they are marketing's until they qualify, and need no sales owner.",
        "MQLs with an owner / MQLs among the leads created in the period",
    ),
    Kpi(
        "mql_first_touch_rate", "MQLs with a first touch", "rate", "data_health", "sales",
        "Of the leads created in the period that became MQLs, the share with a first sales touch recorded "
        "(a touch dated before the lead existed does not count). Low when follow-ups were not imported, or "
        "when sales did not touch the leads: the Follow-up and SLA page tells which.",
        "MQLs with a first-touch time / MQLs among the leads created in the period",
    ),
    Kpi(
        "mql_disposition_rate", "MQLs with a decision", "rate", "data_health", "sales",
        "Of the leads created in the period that became MQLs, the share sales accepted or rejected. Low "
        "when the export lacks acceptance and rejection times, or when sales leaves leads undecided.",
        "MQLs accepted or rejected / MQLs among the leads created in the period",
    ),
    Kpi(
        "won_revenue_link_rate", "Won leads with revenue", "rate", "data_health", "shared",
        "Of the leads created in the period that were won (a won deal, or the status 'won'), the share with "
        "at least one revenue booking on their deals. A won lead without revenue drops out of every revenue "
        "figure by source, campaign and score band.",
        "won leads with a revenue booking / won leads created in the period",
    ),
    Kpi(
        "below_threshold_rate", "MQLs below the agreed score", "rate", "data_health", "marketing",
        "Of the leads created in the period that became MQLs with a lead score and under an agreed MQL score "
        "threshold, the share the CRM handed to sales with a score below the threshold agreed when they became "
        "MQLs. The CRM decides what is an MQL; this checks it against the agreement. High when marketing passes "
        "on leads the agreement says are not ready, or when the CRM's scoring or its MQL rule differs from the "
        "agreement. MQLs without a score, or from a time when no threshold was agreed, are left out.",
        "MQLs with a score below the threshold then agreed / MQLs with a score and an agreed threshold",
        better="lower", needs=("agreement",),
    ),
    Kpi(
        "traced_revenue_rate", "Revenue traced to a lead", "rate", "kpi_revenue", "shared",
        "Of the revenue booked in the period, the share whose deal is linked to the lead it came from, and so "
        "to a source and a campaign. Revenue from deals with no lead counts in the total but for neither side.",
        "revenue booked in the period on deals with a lead / revenue booked in the period",
    ),
)

# Statistical estimates from counts of the MQLs of a settled window (handshake/evidence.py): association, not proof.
EVIDENCE = (
    Kpi(
        "extra_won", "Wins left on the table", "count", "evidence_strata", "shared",
        "Of the evidence window's MQLs not worked on time (never touched, or first touched after the SLA in "
        "force, or after 24 hours where none was agreed), the wins they would likely have had if worked on time, "
        "less the wins they had. Each lead gets the win rate of the leads worked on time in its stratum: the same "
        "source, campaign, segment and score band, or a coarser stratum when that one has fewer than 10 on-time "
        "leads. The 95% interval comes from a parametric bootstrap of the strata's on-time win rates and of the "
        "group's own wins.",
        "sum over MQLs not worked on time of the on-time win rate of their stratum - their wins",
        computed_by="left_on_table", needs=("follow_ups", "opportunities"),
    ),
    Kpi(
        "extra_revenue_eur", "Revenue left on the table", "money", "evidence_strata", "shared",
        "The wins left on the table in money: each lead's expected extra win valued at the mean revenue of the "
        "won on-time leads of its segment.",
        "sum over MQLs not worked on time of (on-time win rate of its stratum - won) x mean revenue per won "
        "on-time lead of its segment",
        computed_by="left_on_table", needs=("follow_ups", "opportunities", "revenue"),
    ),
    Kpi(
        "score_gap", "Score gap of the leads nobody called", "points", "evidence_strata", "shared",
        "The cherry-picking check: how the lead score of the MQLs never touched compares with the touched MQLs "
        "of the same source, segment and score band. Below zero the untouched look worse, so the wins left on "
        "the table are likely overstated; above zero reps skipped leads that look better.",
        "mean over strata, weighted by their never-touched MQLs, of (mean score never touched - mean score "
        "touched), with a 95% interval",
        computed_by="cherry_picking", better=None, needs=("follow_ups",),
    ),
    Kpi(
        "quality_won", "Shortfall from lead quality", "count", "evidence_strata", "marketing",
        "For a source or campaign, the wins it falls short of the best one because its leads convert less even "
        "when worked on time: its MQLs x (the best on-time win rate - its own on-time win rate).",
        "MQLs x (best on-time win rate - on-time win rate)",
        computed_by="quality_and_execution", better="lower", needs=("follow_ups", "opportunities"),
    ),
    Kpi(
        "execution_won", "Shortfall from follow-up", "count", "evidence_strata", "sales",
        "For a source or campaign, the wins its leads lost by not being worked on time: its MQLs x (its on-time "
        "win rate - its actual win rate), which equals the share not worked on time times what the delay cost "
        "each of those leads.",
        "MQLs x (on-time win rate - win rate) = MQLs x share not on time x (on-time win rate - win rate of the "
        "others)",
        computed_by="quality_and_execution", better="lower", needs=("follow_ups", "opportunities"),
    ),
    Kpi(
        "odds_ratio_5_vs_30_min", "Contact odds, 5 against 30 minutes", "ratio", "evidence_contact", "sales",
        "The organisation's own lead decay: from a logistic regression of every attempt's outcome (reached the "
        "lead or not) on ln(1 + hours from assignment to first touch), how many times higher the odds that an "
        "attempt reaches a lead first touched after 5 minutes are than after 30. The MIT/InsideSales study "
        "found about 100 times (for contact overall), a published reference, not a target.",
        "exp(-slope x (ln(1 + 0.5) - ln(1 + 5/60)))",
        computed_by="delay_model", needs=("follow_ups",),
    ),
    Kpi(
        "reached_rate", "Reached at an attempt", "rate", "evidence_contact", "sales",
        "Of the worked leads that got a k-th attempt without having been reached before, the share that attempt "
        "reached (a touch with the outcome connected, replied or meeting held). The running total shows how "
        "many attempts it takes to reach most leads.",
        "leads first reached at attempt k / leads with a k-th attempt not reached before",
        computed_by="attempts_curve", needs=("follow_ups",),
    ),
)

KPIS = HEADLINE + FUNNEL + FOLLOW_UP + LEAD_QUALITY + CAMPAIGNS + DATA_HEALTH + EVIDENCE
BY_NAME = {k.name: k for k in KPIS}
UNITS = {"count": "", "rate": "a share, 0 to 100%", "money": "in the organisation's currency", "hours": "hours",
         "days": "days",
         "ratio": "a multiple (x)", "score": "1 to 5", "points": "lead-score points"}


def unit_text(unit: str, currency: str) -> str:
    """A unit as the glossary says it; money names the organisation's currency, which amounts are never converted from."""
    return f"{UNITS[unit]} ({currency})" if unit == "money" else UNITS[unit] or "a count"


def help_text(name: str) -> str:
    """The glossary entry of a KPI, as the help of every number that shows it."""
    k = BY_NAME[name]
    return (f"{k.definition}\n\n**Formula:** {k.formula}\n\n**Owner:** {k.owner} · "
            f"**Query:** `queries/{k.query}.sql`" + (f" · **Computed by:** `evidence.{k.computed_by}()`"
                                                   if k.computed_by else ""))


def present_inputs(counts: dict) -> set[str]:
    """The INPUTS the warehouse holds, from the one row of queries/data_inputs.sql."""
    return {name for name, (column, _, _) in INPUTS.items() if (clean(counts.get(column)) or 0) > 0}


# an input that cannot be present without another: when both are missing, only the other is said
IMPLIES = {"pipeline": "opportunities"}


def missing_inputs(kpi: Kpi, present) -> list[str]:
    """The inputs a KPI needs that the warehouse lacks, in the KPI's order: one rule for every card."""
    missing = [name for name in kpi.needs if name not in present]
    return [name for name in missing if IMPLIES.get(name) not in missing]


def missing_note(kpi: Kpi, missing: list[str]) -> str:
    """What a card says instead of its number: what is missing, what cannot be measured, how to fix it."""
    said = [INPUTS[name][1] for name in missing]
    what = said[0] + "".join(f", {s[0].lower()}{s[1:]}" for s in said[1:-1])
    if len(said) > 1:
        what += f" and {said[-1][0].lower()}{said[-1][1:]}"
    fixes = " ".join(dict.fromkeys(INPUTS[name][2] for name in missing))
    return f"{what}: {kpi.label} cannot be measured. {fixes}"


def clock_notes(counts: dict) -> list[str]:
    """What the first-touch and decision figures leave out or start differently, over the whole warehouse
    (queries/data_inputs.sql): leads re-assigned after their first touch, decisions recorded without a time."""
    said = []
    after = clean(counts.get("assigned_after_touch_count")) or 0
    if after:
        said.append(f"In the whole warehouse, {after:,} {'lead has its' if after == 1 else 'leads have their'} "
                    "recorded assignment after the "
                    "first touch (the CRM keeps the latest assignment, such as HubSpot's Owner Assigned Date): "
                    f"{'its' if after == 1 else 'their'} SLA clock starts at the MQL time instead.")
    undated = clean(counts.get("undated_decision_count")) or 0
    if undated:
        said.append(f"In the whole warehouse, {undated:,} {'MQL was' if undated == 1 else 'MQLs were'} accepted or "
                    "rejected without a "
                    "recorded time: counted in the acceptance rate, left out of attempts before the decision.")
    return said


DEFAULT_PERIOD_DAYS = 90
# A lead without a source is a group of its own, shown and filtered by this name; the queries bind it as ''
# and compare it with coalesce(source, ''), so it is never merged with a source that is called "unknown".
NO_SOURCE = "(no source)"


def current_time() -> datetime:
    """Now in UTC, to the quarter hour: SLA judgements need the time, caches need it to hold still."""
    now = datetime.now(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    return now.replace(minute=now.minute - now.minute % 15)


def default_period(last_lead_date: date | None) -> tuple[date, date]:
    """The last 90 days up to the newest lead (inclusive both ends), or up to today when there is none."""
    end = last_lead_date or datetime.now(timezone.utc).date()
    return end - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before [start, end] (inclusive)."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def query_params(start: date, end: date, filters: dict | None = None, grain: str = "total",
                 tz: str = "UTC") -> dict:
    """The bound parameters every KPI query takes; end is inclusive here and exclusive in SQL.

    Dates (bookings, deal dates) are the organisation's calendar days; timestamps are stored in UTC,
    so a day starts at its local midnight in UTC: $start_at and $end_at."""
    filters = filters or {}
    end = end + timedelta(days=1)
    source = filters.get("source")
    return {
        "start": start,
        "end": end,
        "start_at": utc_midnight(start, tz),
        "end_at": utc_midnight(end, tz),
        "grain": grain,
        "segment": filters.get("segment"),
        "region": filters.get("region"),
        "source": "" if source == NO_SOURCE else source,
        "now": filters.get("now") or current_time(),
    }


def utc_midnight(day: date, tz: str) -> datetime:
    """The moment a day starts in time zone tz, as a naive UTC timestamp like the warehouse's."""
    local = datetime.combine(day, time(), tzinfo=ZoneInfo(tz))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def clean(value):
    """None for missing numbers (NULL arrives from pandas as NaN or NA), plain Python numbers otherwise."""
    if value is None:
        return None
    try:
        if value != value or (isinstance(value, float) and math.isinf(value)):
            return None
    except TypeError:  # pandas.NA refuses comparison
        return None
    return value.item() if hasattr(value, "item") else value


def headline(run_many, params: dict) -> dict:
    """Each headline KPI and its target for one period, from one run of each query; None for a KPI whose
    inputs the warehouse lacks (no revenue imported is not 0 revenue), as its card on a page shows it.

    run_many([(name, params), ...]) returns each query's rows; the dashboard passes its cached runner and
    the command line a direct one, so both show the same numbers."""
    found = values(run_many, params, HEADLINE)
    present = present_inputs(run_many([("data_inputs", {})])[0].iloc[0].to_dict())
    for k in HEADLINE:
        if missing_inputs(k, present):
            found[k.name] = None
    return found


def values(run_many, params: dict, among: tuple) -> dict:
    """Each of the KPIs `among` (whole-period ones) and their targets for one period, one run per query."""
    names = list(dict.fromkeys(k.query for k in among))
    frames = run_many([(query, dict(params, grain="total")) for query in names])
    rows = {query: frame.iloc[0].to_dict() if len(frame) else {} for query, frame in zip(names, frames)}
    return picked(rows, among)


def picked(rows: dict, among: tuple) -> dict:
    """The KPIs `among` and their targets from one row per query (query name -> row as a dict)."""
    found = {}
    for k in among:
        found[k.name] = clean(rows[k.query].get(k.name))
        if k.target:
            found[k.target] = clean(rows[k.query].get(k.target))
    return found


# the KPI queries whose $grain 'week' gives one row per week, keyed by its Monday (period_start)
BY_WEEK = {"kpi_mql_cohort", "kpi_revenue", "kpi_open_pipeline", "follow_up_summary"}


def weekly_values(run_many, weeks: list[dict], whole: dict, among: tuple) -> list[dict]:
    """values() for consecutive weeks: `weeks` holds each week's parameters, `whole` the parameters of
    all of them together. A query that buckets by week runs once over the whole (each run costs its
    planning, about 15 ms, whatever it reads); the others run once per week. All in one run_many."""
    names = list(dict.fromkeys(k.query for k in among))
    calls = [(q, dict(whole, grain="week")) for q in names if q in BY_WEEK]
    calls += [(q, dict(week, grain="total")) for q in names if q not in BY_WEEK for week in weeks]
    frames = iter(run_many(calls))
    rows = [{} for _ in weeks]
    for query in (q for q in names if q in BY_WEEK):
        by_week = {clean(r["period_start"]).date(): r for r in next(frames).to_dict("records")}
        for i, week in enumerate(weeks):
            rows[i][query] = by_week.get(week["start"], {})
    for query in (q for q in names if q not in BY_WEEK):
        for i in range(len(weeks)):
            frame = next(frames)
            rows[i][query] = frame.iloc[0].to_dict() if len(frame) else {}
    return [picked(r, among) for r in rows]


def change_sentence(kpi: Kpi, current, previous, currency: str = "EUR") -> str | None:
    """One plain sentence on how a KPI moved from the previous period, or None when it cannot be said."""
    current, previous = clean(current), clean(previous)
    if current is None or previous is None or current == previous:
        return None
    verb = "rose" if current > previous else "fell"
    if kpi.unit == "rate":
        return (f"{kpi.label} {verb} {abs(current - previous) * 100:.1f} points, "
                f"from {previous:.1%} to {current:.1%}.")
    if previous == 0:
        return None
    change = abs(current - previous) / abs(previous)
    def show(v):
        from handshake.formats import fmt  # here, not on top: formats imports this module
        return fmt(v, kpi.unit, currency)
    return f"{kpi.label} {verb} {change:.1%}, from {show(previous)} to {show(current)}."


def biggest_movers(current: dict, previous: dict, count: int = 3, among: tuple = HEADLINE,
                   currency: str = "EUR", same_age: dict | None = None,
                   compared: str = "the previous period") -> list[str]:
    """The KPIs (headline ones unless told) that moved most against the previous period, a sentence each.

    Rates move in points and counts in per cent; both are put on one scale as the change relative to
    the previous value, so a rate going from 20% to 30% (+50%) outranks revenue up 10%. A rate that matures
    (MQL to won) moves only against `same_age`, the earlier period as it stood at the current one's age
    (queries/kpi_won_at_age.sql): against the older period as it is now, it trails by construction."""
    moves = []
    for kpi in among:
        before_value = previous.get(kpi.name)
        if kpi.matures:
            if same_age is None:
                continue
            before_value = same_age.get(kpi.name)
        sentence = change_sentence(kpi, current.get(kpi.name), before_value, currency)
        if sentence:
            if kpi.matures:
                sentence = sentence[:-1] + f", against {compared} at the same age."
            now, before = clean(current[kpi.name]), clean(before_value)
            moves.append((abs(now - before) / abs(before) if before else math.inf, sentence))
    return [sentence for _, sentence in sorted(moves, key=lambda m: -m[0])[:count]]


def at_equal_age(row: dict, compared: str = "the previous period") -> tuple[float | None, str]:
    """MQL to won of an earlier period at the current one's age, from the row of queries/kpi_won_at_age.sql, and
    the sentence saying what it is, or why it cannot be said (then the value is None and no change is shown)."""
    rate, age = clean(row.get("mql_to_won_rate")), clean(row.get("age_days"))
    undated = clean(row.get("undated_won_count")) or 0
    if age is None or age < 0:
        return None, ("Not compared: this period runs past the newest data, so its MQLs are not all in yet and "
                      "it has no age to match.")
    if undated:
        return None, (f"Not compared: {undated:,} {'win' if undated == 1 else 'wins'} of {compared} "
                      f"{'has' if undated == 1 else 'have'} no date, so it cannot be read as it stood at this "
                      "period's age.")
    if rate is None:
        return None, f"Not compared: {compared} has no MQLs, or the warehouse records no outcome."
    won_by = clean(row.get("won_by_date"))
    when = "at its end" if age == 0 else f"{age:,} {'day' if age == 1 else 'days'} after its end"
    return rate, (f"{compared[0].upper()}{compared[1:]} {when} (wins to {won_by:%d %b %Y}): "
                  f"{clean(row['won_count']):,} of {clean(row['mql_count']):,} won, {rate:.1%}.")
