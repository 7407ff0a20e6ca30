"""Sign-in, roles and privacy: who may write what, checked where the warehouse is written, and what the pages
show each role, run by Streamlit's AppTest with a signed-in user as st.login leaves one."""

import re
from datetime import date, datetime

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, as_read
from handshake import access, actions, agreements, assessment, importer, mappings, subscriptions, warehouse
from handshake.access import LOCAL, Person
from test_app import assert_clean

NOW = datetime(2026, 3, 20, 9, 0)
VIEWER, MEMBER, ADMIN = (Person(f"Test {role}", role, f"{role}@example.com", True) for role in access.ROLES)
LEADS = "lead_id,created_at,source\nX-1,2026-03-02 09:00,Google\n"

# the secrets a company would set: Streamlit's [auth] for st.login, and Handshake's roles
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a long random test secret",
        "client_id": "handshake", "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ROLES = {"admin": ["ana@example.com"], "member": ["@example.com"], "viewer": ["*"]}


def everything(path_or_con) -> dict:
    """Each table's row count and an order-free hash of its rows, the meta settings (the data version among
    them) included: equal means nothing at all was written."""
    own = not isinstance(path_or_con, duckdb.DuckDBPyConnection)
    con = duckdb.connect(str(path_or_con), read_only=True) if own else path_or_con.cursor()
    try:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_type = 'BASE TABLE' order by 1").fetchall()]
        return {t: con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {t} t").fetchone() for t in tables}
    finally:
        con.close()  # a cursor's close leaves its connection open


def test_the_most_specific_entry_decides_a_role():
    roles = {"admin": ["Ana@Example.com"], "member": ["@example.com"], "viewer": ["*", "bo@example.com"]}
    assert access.role_for("ana@example.com", roles) == "admin"  # her address, in any case
    assert access.role_for("cy@example.com", roles) == "member"  # the domain
    assert access.role_for("bo@example.com", roles) == "viewer"  # his address beats his domain
    assert access.role_for("dee@elsewhere.org", roles) == "viewer"  # '*'
    assert access.role_for("dee@elsewhere.org", {"member": ["@example.com"]}) is None  # no entry: no role
    assert access.role_for(None, roles) is None
    assert access.check_roles({"owner": ["x@y.z"], "member": "@y.z"}) == [
        "'owner' is not a role: use viewer, member, admin",
        '[handshake.roles] member must be a list of addresses, such as ["ana@example.com", "@example.com"]']


def test_each_role_can_do_what_the_issue_gives_it():
    can = {p.role: sorted(d for d in access.NEEDS if p.can(d)) for p in (VIEWER, MEMBER, ADMIN)}
    assert can == {
        "viewer": [],
        "member": ["actions", "answers", "feedback"],
        "admin": ["actions", "agreements", "answers", "feedback", "import", "outbox", "ranges", "rounds", "settings",
                  "subscriptions"],
    }
    assert LOCAL.can("import") and not LOCAL.signed_in  # one person at one machine may do everything


WRITES = {
    "import": lambda con, who, tmp: importer.run(con, tmp, mappings.canonical("leads"), by=who, now=NOW),
    "agreements": lambda con, who, tmp: agreements.add_version(con, date(2026, 4, 1), {"first_touch_sla_hours": 8.0},
                                                               who, None, NOW),
    "reference bands": lambda con, who, tmp: warehouse.write(con, "update_reference_band", [dict(
        transition="mql_to_sal", low_rate=0.1, high_rate=0.2, changed_by="x", changed_at=NOW)], who, "ranges"),
    "settings": lambda con, who, tmp: warehouse.set_timezone(con, "Europe/Berlin", who),
    "rounds": lambda con, who, tmp: assessment.open_round(con, who, "2027 Q1"),
    "answers": lambda con, who, tmp: assessment.submit(
        con, "2026 Q1", "sales", "staff", dict.fromkeys(assessment.statement_ids(), 4), by=who),
    "actions": lambda con, who, tmp: actions.create(con, "Call back", "Sam Sales", "sales", None, who, NOW),
    "feedback": lambda con, who, tmp: actions.rate_campaign(con, 10, 4, None, None, NOW, by=who),
    "subscriptions": lambda con, who, tmp: subscriptions.add(con, "digest", "email", ["ana@example.com"], "monday",
                                                             8, who, NOW),
}
LEAST = {"import": "admin", "agreements": "admin", "reference bands": "admin", "settings": "admin",
         "rounds": "admin", "answers": "member", "actions": "member", "feedback": "member",
         "subscriptions": "admin"}


@pytest.mark.parametrize("write", WRITES)
def test_a_write_beyond_the_role_is_refused_where_it_happens_and_writes_nothing(seed_warehouse, tmp_path, write):
    """Called as a page would, past any hidden button: the write itself refuses."""
    export = tmp_path / "leads.csv"
    export.write_text(LEADS)
    below = [p for p in (VIEWER, MEMBER) if access.ROLES.index(p.role) < access.ROLES.index(LEAST[write])]
    for who in below:
        before = everything(seed_warehouse)
        con = warehouse.open_warehouse(seed_warehouse)
        try:
            with pytest.raises(access.Refused, match=f"{who.name} is a {who.role}: to .* takes the {LEAST[write]} role"):
                WRITES[write](con, who, export)
        finally:
            con.close()
        assert everything(seed_warehouse) == before
    allowed = MEMBER if LEAST[write] == "member" else ADMIN
    con = warehouse.open_warehouse(seed_warehouse)
    try:
        WRITES[write](con, allowed, export)  # the role it takes may
    finally:
        con.close()
    assert everything(seed_warehouse) != before


def test_a_members_import_is_refused_and_an_admins_is_recorded_under_their_name(seed_warehouse, tmp_path):
    export = tmp_path / "leads.csv"
    export.write_text(LEADS)
    con = warehouse.open_warehouse(seed_warehouse)
    try:
        before = everything(con)
        with pytest.raises(access.Refused, match="Test member is a member: to import data takes the admin role"):
            importer.run(con, export, mappings.canonical("leads"), by=MEMBER, now=NOW)
        assert everything(con) == before
        report = importer.run(con, export, mappings.canonical("leads"), by=ADMIN, now=NOW)
        assert report.accepted == 1
        assert con.execute("select imported_by from imports").fetchall() == [("Test admin",)]
    finally:
        con.close()


def open_as(monkeypatch, path, page=None, user=None, roles=ROLES, **settings):
    """The app with sign-in configured, as `user` (a dict of st.user's claims; None: not signed in)."""
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["handshake"] = {"roles": roles, **settings}
    at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def read(markdown: str) -> str:
    """Markdown as a reader sees it: no escapes, no icons, no emphasis, no code marks."""
    return re.sub(r":material/\w+: |\*|`", "", as_read(markdown))


def texts(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "error", "warning", "title", "subheader"):
        parts += [read(str(e.value)) for e in getattr(at, kind)]
    return "\n".join(parts)


ANA = {"email": "ana@example.com", "name": "Ana Admin"}
MO = {"email": "mo@example.com", "name": "Mo Member"}
VI = {"email": "vi@elsewhere.org", "name": "Vi Viewer"}


def test_without_sign_in_configured_the_app_says_it_runs_for_one_person(monkeypatch, seed_warehouse):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(seed_warehouse))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert_clean(at)
    assert "Single-user local mode: no sign-in is set up" in " ".join(read(c.value) for c in at.sidebar.caption)
    assert at.session_state["person"] == LOCAL


def test_with_sign_in_configured_nothing_shows_before_signing_in(monkeypatch, seed_warehouse):
    at = open_as(monkeypatch, seed_warehouse)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and "Single-user" not in texts(at)


def test_an_address_the_roles_do_not_name_is_turned_away(monkeypatch, seed_warehouse):
    at = open_as(monkeypatch, seed_warehouse, user={"email": "eve@elsewhere.org"}, roles={"member": ["@example.com"]})
    assert "You are signed in as eve@elsewhere.org, which has no role in Handshake" in texts(at)
    assert not at.metric and [b.label for b in at.button] == ["Sign out"]


def test_the_signed_in_person_and_role_show_in_the_sidebar(monkeypatch, seed_warehouse):
    at = open_as(monkeypatch, seed_warehouse, user=MO)
    assert_clean(at)
    assert "Signed in as Mo Member (member)" in [read(c.value) for c in at.sidebar.caption]
    assert at.metric  # the overview's numbers


def test_a_member_is_shown_no_import_and_an_admin_is(monkeypatch, seed_warehouse):
    member = open_as(monkeypatch, seed_warehouse, "pages/import_data.py", user=MO)
    assert_clean(member)
    assert "To import data takes the admin role; you are signed in as a member." in texts(member)
    assert not member.get("file_uploader") and "Imports so far" in texts(member)
    admin = open_as(monkeypatch, seed_warehouse, "pages/import_data.py", user=ANA)
    assert_clean(admin)
    assert admin.get("file_uploader") and "takes the admin role" not in texts(admin)


def test_a_viewer_reads_the_meeting_and_a_member_adds_an_action_under_their_name(monkeypatch, seed_warehouse):
    viewer = open_as(monkeypatch, seed_warehouse, "pages/weekly_meeting.py", user=VI)
    assert_clean(viewer)
    assert viewer.metric  # the scorecard
    assert "To add or change the meeting's actions takes the member role; you are signed in as a viewer." in texts(viewer)
    assert not [b for b in viewer.button if b.label in ("Add action", "Save rating")]
    member = open_as(monkeypatch, seed_warehouse, "pages/weekly_meeting.py", user=MO)
    member.text_input(key="new_title").input("Call back the webinar MQLs")
    member.selectbox(key="new_owner").set_value("Sam Sales")
    member.button(key="add_action_button").click().run()
    assert_clean(member)
    stored = warehouse.shared_connection(seed_warehouse).cursor()  # the app's own connection, as it wrote
    assert stored.execute("select title, created_by from meeting_actions").fetchall() == [
        ("Call back the webinar MQLs", "Mo Member")]


def test_a_viewer_cannot_answer_the_questionnaire_and_a_member_can(monkeypatch, seed_warehouse):
    viewer = open_as(monkeypatch, seed_warehouse, "pages/questionnaire.py", user=VI)
    assert_clean(viewer)
    assert "To answer the questionnaire takes the member role" in texts(viewer) and not viewer.radio
    member = open_as(monkeypatch, seed_warehouse, "pages/questionnaire.py", user=MO)
    assert len(member.radio) >= 20


def test_only_admins_change_the_agreement(monkeypatch, seed_warehouse):
    member = open_as(monkeypatch, seed_warehouse, "pages/definitions.py", user=MO)
    assert_clean(member)
    assert "To change the joint agreement takes the admin role" in texts(member)
    assert not [b for b in member.button if b.label == "Save this version"]
    admin = open_as(monkeypatch, seed_warehouse, "pages/definitions.py", user=ANA)
    assert [b for b in admin.button if b.label == "Save this version"]
    assert not [t for t in admin.text_input if t.key == "def_by"]  # the sign-in names who records it


@pytest.mark.parametrize("user, settings, sees", [
    (MO, {}, False),  # by default only admins see each rep's figures
    (ANA, {}, True),
    (MO, {"rep_level_roles": ["member", "admin"]}, True),
])
def test_each_reps_own_figures_show_only_to_the_roles_configured(monkeypatch, seed_warehouse, user, settings, sees):
    at = open_as(monkeypatch, seed_warehouse, "pages/follow_up.py", user=user, **settings)
    assert_clean(at)
    assert ("By rep" in [e.label for e in at.expander]) is sees
    assert ("Each rep's own figures are shown only to the roles set in rep_level_roles" in texts(at)) is not sees
    assert "By team and rep" in texts(at)  # each team's figures are for everyone
