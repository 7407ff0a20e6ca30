"""Sign-in through st.login against an OpenID Connect provider on localhost, with the roles of secrets.toml:
the person's role decides what they see, and the warehouse records who wrote."""

import duckdb
import pytest

from e2e.browsing import add_action, main_text, settle
from e2e.conftest import start_server
from e2e.identity_provider import IdentityProvider

ROLES = {"admin": ["ana@example.com"], "member": ["@example.com"], "viewer": ["*"]}


@pytest.fixture(scope="module")
def provider():
    idp = IdentityProvider()
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def signed_server(chromium, e2e_demo, tmp_path_factory, provider):
    server = start_server(tmp_path_factory.mktemp("signed"), e2e_demo, "signed",
                          secrets=lambda port: provider.secrets_toml(port, ROLES, rep_level_roles=["admin"]))
    yield server
    server.stop()


def sign_in(open_page, server, provider, email: str, name: str, path: str = ""):
    provider.person = {"email": email, "name": name}
    page = open_page(server.url)
    page.get_by_role("button", name="Sign in").click()  # to the provider and back, to the first page
    page.get_by_text(f"Signed in as {name}").wait_for()
    if path:
        page.goto(f"{server.url}/{path}")
    settle(page)
    return page


def sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_a_member_signs_in_cannot_import_and_their_action_carries_their_name(signed_server, provider, open_page):
    page = open_page(signed_server.url)
    settle(page)
    assert "Sign in to see the numbers" in main_text(page)
    assert not page.locator('[data-testid="stMetric"]').count()  # nothing before signing in
    assert not page.locator('[data-testid="stSidebarNavLink"]').count()  # not even the list of pages

    page = sign_in(open_page, signed_server, provider, "mo@example.com", "Mo Member")
    assert "Signed in as Mo Member (member)" in sidebar(page)
    assert page.locator('[data-testid="stSidebarNavLink"]').count() >= 8  # the pages, now
    page.locator('[data-testid="stMetric"]').first.wait_for()  # the overview's first run takes a while
    settle(page)
    assert page.locator('[data-testid="stMetric"]').count() >= 4

    page.goto(f"{signed_server.url}/import_data")
    page.get_by_text("To import data takes the admin role").wait_for()
    settle(page)
    assert not page.locator('[data-testid="stFileUploader"]').count()

    page.goto(f"{signed_server.url}/weekly_meeting")
    add_action(page, "Send sales the webinar attendee list", "Mo Member")
    signed_server.stop()  # release the file to read it; the module's last test needs no server
    con = duckdb.connect(str(signed_server.log.with_suffix(".duckdb")), read_only=True)
    try:
        assert con.execute("select created_by from meeting_actions where title = 'Send sales the webinar attendee list'"
                           ).fetchall() == [("Mo Member",)]
    finally:
        con.close()


def test_a_viewer_sees_no_reps_figures_and_an_unknown_address_is_turned_away(chromium, e2e_demo, tmp_path, provider,
                                                                              open_page):
    server = start_server(tmp_path, e2e_demo, "narrow", secrets=lambda port: provider.secrets_toml(
        port, {"admin": ["ana@example.com"], "viewer": ["@example.com"]}))
    try:
        page = sign_in(open_page, server, provider, "vi@example.com", "Vi Viewer", "follow_up")
        page.get_by_text("The accountability list").wait_for()
        settle(page)
        text = main_text(page)
        assert "By team and rep" in text and "By rep" not in text
        assert "Each rep's own figures are shown only to the roles set in rep_level_roles" in text

        provider.person = {"email": "eve@elsewhere.org", "name": "Eve"}
        page = open_page(server.url)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("which has no role in Handshake").wait_for()
        settle(page)
        assert "You are signed in as eve@elsewhere.org" in main_text(page)
        assert not page.locator('[data-testid="stMetric"]').count()
    finally:
        server.stop()
