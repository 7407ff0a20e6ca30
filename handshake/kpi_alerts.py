"""KPI alerts: a rule on a glossary KPI (below or above a value, or a change of more than N% or points against the
week before) for the whole organisation or a segment, region or source, checked at every run of `send` on the last
complete week, and sent once when it starts to hold."""

from datetime import datetime

RULES = ("below", "above", "change_pct", "change_points")
RULE_LABELS = {"below": "falls below", "above": "rises above", "change_pct": "changes by more than N%",
               "change_points": "changes by more than N points"}


def check_rule(con, rule: dict) -> dict:
    from handshake import subscriptions
    raise subscriptions.SubscriptionError("KPI alerts are being built.")


def rule_text(sub: dict) -> str:
    return f"{sub['kpi']} {sub['rule']} {sub['threshold']}"


def due(con, sub: dict, tz: str, now: datetime, record: bool) -> list[tuple[str, str]]:
    return []


def email(con, sub: dict, period_key: str, recipient: str, now: datetime, sender: str, msg_id: str):
    raise NotImplementedError


def slack(con, sub: dict, period_key: str, now: datetime) -> dict:
    raise NotImplementedError
