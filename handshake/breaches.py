"""SLA-breach alerts: placeholder while being built."""

from datetime import datetime


def check_people(con, people: dict) -> dict:
    return people


def heads(con, people: dict) -> set:
    return set()


def due(con, sub: dict, tz: str, now: datetime) -> list[tuple[str, str]]:
    return []


def email(con, sub: dict, period_key: str, recipient: str, now: datetime, sender: str, msg_id: str):
    raise NotImplementedError


def slack(con, sub: dict, period_key: str, now: datetime) -> dict:
    raise NotImplementedError
