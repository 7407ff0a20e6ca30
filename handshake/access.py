"""Who may do what: the people the dashboard serves, their roles, and the check every write makes.

Roles only grow: a member can do all a viewer can, an admin all a member can. The check is made where
the warehouse is written (warehouse.transaction), so a page that forgot to hide a button still cannot
let the wrong person write."""

import re
from dataclasses import dataclass

ROLES = ("viewer", "member", "admin")
# one address, nothing a header could be split on (a line break, a comma, angle brackets)
ADDRESS = re.compile(r"[^@\s<>,;\"()\[\]\\]+@[^@\s<>,;\"()\[\]\\]+\.[^@\s<>,;\"()\[\]\\.]+")

# what each write needs, and how a refusal names it
NEEDS = {
    "actions": ("member", "add or change the meeting's actions"),
    "feedback": ("member", "rate campaigns"),
    "answers": ("member", "answer the questionnaire"),
    "rounds": ("admin", "open a questionnaire round"),
    "import": ("admin", "import data"),
    "agreements": ("admin", "change the joint agreement"),
    "ranges": ("admin", "change the funnel's reference ranges"),
    "settings": ("admin", "change the warehouse's settings"),
    "subscriptions": ("admin", "add or remove subscriptions to the digest"),
    "outbox": ("admin", "send the digest and record what was sent"),
}

# roles that see each rep's own figures when sign-in is on and the configuration names none
REP_LEVEL_DEFAULT = ("admin",)


class Refused(PermissionError):
    """A write this person's role does not allow; the message says which role it needs."""


@dataclass(frozen=True)
class Person:
    name: str | None  # as histories record it; None when nobody is signed in
    role: str
    email: str | None = None
    signed_in: bool = False

    def can(self, doing: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(NEEDS[doing][0])


# Without sign-in the dashboard serves one person at one machine, who may do everything.
LOCAL = Person(None, "admin")


def require(person: Person, doing: str) -> None:
    """Refuse a write the person's role does not allow."""
    if not isinstance(person, Person):
        raise Refused(f"Nobody is named for this write ({doing}): only a known person may write.")
    if not person.can(doing):
        needed, said = NEEDS[doing]
        raise Refused(f"{person.name or person.email or 'This account'} is a {person.role}: to {said} takes the "
                      f"{needed} role. Ask an admin to give it to you in the [handshake.roles] setting.")


def role_for(email: str | None, roles: dict) -> str | None:
    """The role the configuration gives this address, or None when it gives none.

    roles maps a role to a list of entries: an address, '@domain' for everyone there, or '*' for everyone
    signed in. The most specific entry that matches decides (an address beats its domain, a domain beats
    '*'), so a domain can be members while one of them is an admin or only a viewer."""
    if not email:
        return None
    email = email.strip().lower()
    domain = "@" + email.rpartition("@")[2]
    for entry in (email, domain, "*"):
        matched = [role for role in ROLES if entry in {str(e).strip().lower() for e in roles.get(role, ())}]
        if matched:
            return max(matched, key=ROLES.index)
    return None


def check_roles(roles: dict) -> list[str]:
    """What is wrong with a [handshake.roles] setting, in sentences; empty when nothing is."""
    problems = [f"'{name}' is not a role: use {', '.join(ROLES)}" for name in roles if name not in ROLES]
    problems += [f"[handshake.roles] {name} must be a list of addresses, such as [\"ana@example.com\", \"@example.com\"]"
                 for name, entries in roles.items() if name in ROLES and not isinstance(entries, (list, tuple))]
    return problems


def sees_rep_level(person: Person, rep_level_roles) -> bool:
    """Whether this person may see each rep's own performance (the whole organisation's and each team's are
    for everyone)."""
    return not person.signed_in or person.role in set(rep_level_roles or REP_LEVEL_DEFAULT)
