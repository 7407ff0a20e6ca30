"""The Digest by email and Slack page, run by Streamlit's AppTest on a real warehouse: an admin subscribes and
removes; a bad address is said on the page and nothing is stored; a webhook's address is never shown whole."""

from datetime import datetime

from handshake import subscriptions, warehouse
from handshake.access import LOCAL
from test_app import assert_clean, open_app

PAGE = "pages/subscriptions.py"


def open_page(monkeypatch, path):
    at = open_app(monkeypatch, path, PAGE)
    assert_clean(at)
    return at


def stored(path):
    con = warehouse.shared_connection(path).cursor()  # the app's own connection, as it wrote
    return con.execute("select channel, recipients, weekday, hour, active from subscriptions "
                       "order by subscription_id").fetchall()


def test_an_admin_subscribes_and_removes_on_the_page(monkeypatch, seed_warehouse):
    at = open_page(monkeypatch, seed_warehouse)
    assert [i.value for i in at.info] == ["Nobody gets the digest or an alert yet."]
    at.text_area(key="sub_to").input("ana@example.com\nbo@example.com")
    at.selectbox(key="sub_weekday").set_value("friday")
    at.number_input(key="sub_hour").set_value(16)
    at.button(key="sub_add").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Subscription 1 added."]
    # Friday is 4 (Monday 0)
    assert stored(seed_warehouse) == [("email", ["ana@example.com", "bo@example.com"], 4, 16, True)]
    assert at.dataframe[0].value["recipients"].tolist() == ["ana@example.com, bo@example.com"]
    at.selectbox(key="sub_remove_pick").set_value(1).run()
    at.button(key="sub_remove").click().run()
    assert stored(seed_warehouse)[0][-1] is False


def test_a_bad_address_is_said_on_the_page_and_nothing_is_stored(monkeypatch, seed_warehouse):
    at = open_page(monkeypatch, seed_warehouse)
    at.text_area(key="sub_to").input("ana@example.com\nnot an address")
    at.button(key="sub_add").click().run()
    assert [e.value for e in at.error] == [
        "'not an address' is not an email address: write one such as ana@example.com."]
    assert stored(seed_warehouse) == []


def test_a_webhooks_address_is_shown_by_its_host_only(monkeypatch, seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    subscriptions.add(con, "digest", "slack", ["https://hooks.slack.com/services/T0/B0/SECRETabcd"], "monday", 8,
                      LOCAL, datetime(2026, 4, 1))
    con.close()
    at = open_page(monkeypatch, seed_warehouse)
    assert at.dataframe[0].value["recipients"].tolist() == ["Slack webhook hooks.slack.com …abcd"]
