"""What the weekly meeting writes: its action items, with the history of every change, and sales' ratings of campaigns."""

from datetime import date, datetime

from handshake import access, queries, warehouse

FIELDS = ("title", "owner", "owner_function", "due_date", "status")
FUNCTIONS = ("marketing", "sales", "joint")
STATUSES = ("open", "done", "dropped")


class ActionError(ValueError):
    """An action or rating that cannot be stored as given; the message says what to change."""


def check(fields: dict) -> None:
    if "title" in fields and not (fields["title"] or "").strip():
        raise ActionError("An action needs a title: what is to be done.")
    if "owner" in fields and not (fields["owner"] or "").strip():
        raise ActionError("An action needs an owner: the person who will do it.")
    if fields.get("owner_function") not in (None, *FUNCTIONS):
        raise ActionError(f"The owner's function must be one of {', '.join(FUNCTIONS)}.")
    if "status" in fields and fields["status"] not in STATUSES:
        raise ActionError(f"The status must be one of {', '.join(STATUSES)}.")


def create(con, title: str, owner: str, owner_function: str | None, due_date: date | None,
           by: access.Person, at: datetime) -> int:
    """Store a new open action and its 'created' history row; returns its id."""
    fields = {"title": title.strip(), "owner": owner.strip(), "owner_function": owner_function, "due_date": due_date}
    check(fields)
    with warehouse.transaction(con, by, "actions") as cur:
        action_id = cur.execute(queries.sql("meeting_action_insert"), queries.bind(
            "meeting_action_insert", dict(fields, created_at=at, created_by=by.name))).fetchone()[0]
        log(cur, action_id, at, by.name, "created", None, fields["title"])
    return action_id


def update(con, action_id: int, seen: dict, wanted: dict, by: access.Person, at: datetime) -> list[str]:
    """Apply the fields this session changed (wanted differs from what it was shown, seen) to the action
    as it stands now, one history row per field. Fields another session changed meanwhile and this one
    left alone keep the other session's value; when both changed the same field, this edit wins and the
    history holds both. Returns a sentence for each such clash, so nobody loses an edit silently."""
    changed = {f: wanted[f] for f in FIELDS if f in wanted and text(wanted[f]) != text(seen.get(f))}
    check(changed)
    clashes = []
    with warehouse.transaction(con, by, "actions") as cur:
        # read inside this transaction (queries.run would open a cursor of its own, outside it)
        rows = cur.execute(queries.sql("meeting_action"), {"action_id": action_id}).df()
        if rows.empty:
            raise ActionError(f"Action {action_id} no longer exists.")
        stored = {f: plain(v) for f, v in rows.iloc[0].to_dict().items()}
        merged = dict(stored)
        for field, value in changed.items():
            if text(stored[field]) != text(seen.get(field)):
                clashes.append(f"{field.replace('_', ' ').capitalize()} had been changed to "
                               f"'{text(stored[field])}' meanwhile; your '{text(value)}' replaced it. "
                               "Both are in the history.")
            if text(stored[field]) != text(value):
                log(cur, action_id, at, by.name, field, stored[field], value)
            merged[field] = value
        if merged["status"] == "open":
            merged["closed_at"] = None
        elif stored["status"] == "open":
            merged["closed_at"] = at
        cur.execute(queries.sql("meeting_action_update"), queries.bind("meeting_action_update", merged))
    return clashes


def rate_campaign(con, campaign_id: int, rating: int, comment: str | None, rep_id: int | None,
                  at: datetime, by: access.Person) -> None:
    """Store one rating (1 to 5) of a campaign by sales; it counts in the campaign page's rating at once."""
    if rating not in (1, 2, 3, 4, 5):
        raise ActionError("A rating is a whole number from 1 (poor leads) to 5 (excellent leads).")
    warehouse.write(con, "campaign_feedback_insert", [{
        "campaign_id": campaign_id, "rep_id": rep_id, "rating": rating,
        "comment": (comment or "").strip() or None, "given_at": at,
    }], by, "feedback")


def log(cur, action_id: int, at: datetime, by: str | None, field: str, old, new) -> None:
    cur.execute(queries.sql("meeting_action_log"), queries.bind("meeting_action_log", {
        "action_id": action_id, "changed_at": at, "changed_by": by, "field": field,
        "old_value": text(old) or None, "new_value": text(new) or None,
    }))


def plain(value):
    """A stored value as Python: NaT/NaN as None, pandas timestamps as dates or datetimes."""
    if value is None or value != value:
        return None
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def text(value) -> str:
    """A field's value as the history stores and compares it."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value == datetime.combine(value.date(), datetime.min.time()) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
