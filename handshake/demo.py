"""The demo organisation: a believable company generated in SQL, deterministic from a seed."""

import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from handshake import assessment, queries, warehouse

MIN_LEADS = 1_000
MAX_LEADS = 10_000_000
DEFAULT_LEADS = 20_000
DEFAULT_SEED = 42
DEFAULT_PROFILE = "defined"

# Each knob moves one behaviour the HBR stages describe; the SQL in queries/demo/ reads them.
PROFILES = {
    "undefined": dict(
        informal_threshold=45, mql_lag_hours=20, assign_lag_hours=16, handoff_recorded_share=0.55,
        unassigned_share=0.10, touch_share=0.62, cherry_pick=0.5, touch_median_hours=30, touch_sigma=1.4,
        mean_attempts=1.6, attempt_discipline=0.0, give_up_share=0.5, reason_share=0.3, accept_logit=-0.4,
        kickoff_share=0.05, postmortem_share=0.03, feedback_share=0.05, unlinked_opp_share=0.3,
        action_week_share=0.0,
    ),
    "defined": dict(
        informal_threshold=45, mql_lag_hours=6, assign_lag_hours=4, handoff_recorded_share=0.97,
        unassigned_share=0.03, touch_share=0.80, cherry_pick=0.35, touch_median_hours=10, touch_sigma=1.2,
        mean_attempts=2.6, attempt_discipline=0.4, give_up_share=0.3, reason_share=0.7, accept_logit=0.1,
        kickoff_share=0.35, postmortem_share=0.25, feedback_share=0.3, unlinked_opp_share=0.15,
        action_week_share=0.2,
    ),
    "aligned": dict(
        informal_threshold=45, mql_lag_hours=1, assign_lag_hours=0.5, handoff_recorded_share=0.98,
        unassigned_share=0.01, touch_share=0.92, cherry_pick=0.15, touch_median_hours=2.5, touch_sigma=1.0,
        mean_attempts=4.0, attempt_discipline=0.85, give_up_share=0.1, reason_share=0.96, accept_logit=0.5,
        kickoff_share=0.7, postmortem_share=0.65, feedback_share=0.75, unlinked_opp_share=0.07,
        action_week_share=0.85,
    ),
    "integrated": dict(
        informal_threshold=45, mql_lag_hours=0.2, assign_lag_hours=0.1, handoff_recorded_share=0.995,
        unassigned_share=0.0, touch_share=0.98, cherry_pick=0.05, touch_median_hours=0.6, touch_sigma=0.9,
        mean_attempts=5.5, attempt_discipline=0.97, give_up_share=0.05, reason_share=0.99, accept_logit=0.9,
        kickoff_share=0.95, postmortem_share=0.95, feedback_share=0.95, unlinked_opp_share=0.02,
        action_week_share=0.95,
    ),
}

# How much each log-hour of delay before the first touch lowers the odds of contact and qualifying.
DEFAULT_DELAY_EFFECT = 0.35

STEPS = [
    ("00_settings", "Preparing the generator"),
    ("00_macros", "Preparing the generator"),
    ("01_reps", "Hiring the sales and marketing teams"),
    ("02_agreements", "Writing the joint agreements"),
    ("03_lead_facts", "Generating leads and their fates"),
    ("04_leads", "Storing leads"),
    ("05_follow_ups", "Recording sales follow-ups"),
    ("06_opportunities", "Opening opportunities"),
    ("07_revenue", "Booking revenue"),
    ("08_campaigns", "Costing campaigns"),
    ("09_campaign_feedback", "Collecting sales feedback on campaigns"),
    ("10_meeting_actions", "Minuting weekly meetings"),
    ("11_meeting_action_history", "Minuting weekly meetings"),
    ("12_targets", "Setting targets"),
    ("12_regional_targets", "Setting targets"),
    ("13_assessment_rounds", "Running the self-assessment"),
    ("14_assessment_responses", "Running the self-assessment"),
    ("15_assessment_answers", "Running the self-assessment"),
    ("16_subscriptions", "Subscribing to the digest and alerts"),
]


class DemoError(ValueError):
    """Arguments the generator cannot use, with a message that says which and why."""


def check_arguments(profile: str, leads: int) -> None:
    if profile not in PROFILES:
        raise DemoError(f"unknown profile {profile!r}: choose one of {', '.join(PROFILES)}")
    if not MIN_LEADS <= leads <= MAX_LEADS:
        raise DemoError(f"--leads {leads}: choose between {MIN_LEADS:,} and {MAX_LEADS:,}")


def refuse_if_held(path: Path) -> None:
    """A running dashboard keeps its warehouse open: swapping the file under it would leave it showing
    the old data, so say who holds it instead."""
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise DemoError(warehouse.describe_open_error(path, e)) from None
    except duckdb.Error:
        pass  # a damaged file is what --replace is for


def default_as_of() -> datetime:
    """The demo ends at the start of the current hour (UTC), so it looks current whenever it is made."""
    return datetime.now(timezone.utc).replace(tzinfo=None, minute=0, second=0, microsecond=0)


def generate(
    path,
    profile: str = DEFAULT_PROFILE,
    leads: int = DEFAULT_LEADS,
    seed: int = DEFAULT_SEED,
    as_of: datetime | None = None,
    delay_effect: float = DEFAULT_DELAY_EFFECT,
    later_touches: float = 0.0,
    knobs: dict | None = None,
    replace: bool = False,
    progress=None,
    subscribed: bool = True,
) -> Path:
    """Write a demo warehouse to path. It is built beside it and moved in whole, so a failure
    or an interruption leaves whatever was at path untouched.

    later_touches adds that many touches on average to every touched lead, after everything else happened
    to it, so only touch counts change: the benchmark's way to reach three touches per lead.

    knobs overrides the profile's own (see PROFILES), e.g. {"cherry_pick": 2.0}: the way to generate an
    organisation whose truth is known, to check that an estimate finds it.

    subscribed: whether the organisation comes with its digest and SLA-breach alerts (16_subscriptions.sql); a test
    of sending starts without, to count only its own."""
    check_arguments(profile, leads)
    unknown = set(knobs or {}) - set(PROFILES[profile])
    if unknown:
        raise DemoError(f"unknown knobs {sorted(unknown)}: choose among {', '.join(PROFILES[profile])}")
    path = Path(path).resolve()
    if path.exists() and not replace:
        raise DemoError(f"{path} already exists: pass --replace to overwrite it, or choose another path")
    if path.exists():
        refuse_if_held(path)
    if not path.parent.is_dir():
        raise DemoError(f"{path}: folder {path.parent} does not exist")
    as_of = as_of or default_as_of()
    building = path.with_name(f".{path.name}.building-{os.getpid()}")
    try:
        building.unlink(missing_ok=True)
        building.touch()
        building.unlink()
    except OSError as e:
        raise DemoError(f"{path}: cannot write in {path.parent} ({e.strerror})") from None
    params = dict(PROFILES[profile], **(knobs or {}), seed=seed, lead_count=leads, as_of=as_of, profile=profile,
                  delay_effect=delay_effect, later_touches=later_touches, questionnaire_version=assessment.version(),
                  **assessment.questionnaire_params())
    try:
        con = warehouse.open_warehouse(building)
        try:
            for i, (name, label) in enumerate(STEPS):
                if name == "16_subscriptions" and not subscribed:
                    continue
                if progress:
                    progress(i / len(STEPS), label)
                con.execute(queries.sql(f"demo/{name}"), queries.bind(f"demo/{name}", params))
            warehouse.refresh_lead_facts(con)
            about = {
                "is_demo": "true", "demo_profile": profile, "demo_leads": str(leads),
                "demo_seed": str(seed), "demo_as_of": as_of.isoformat(sep=" "),
                "demo_later_touches": str(later_touches), "demo_delay_effect": str(delay_effect),
                **{f"demo_knob_{k}": str(v) for k, v in (knobs or {}).items()},
            }
            con.executemany("insert or replace into meta values (?, ?)", list(about.items()))
            warehouse.bump_data_version(con)
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(building, path)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)
    if progress:
        progress(1.0, "Done")
    return path
