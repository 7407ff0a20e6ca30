"""The Digest and alerts page, run by Streamlit's AppTest on a real warehouse: an admin subscribes and
removes; a bad address is said on the page and nothing is stored; a webhook's address is never shown whole."""

from datetime import datetime

from handshake import outbox, subscriptions, warehouse
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


def test_an_admin_subscribes_reps_to_their_breach_alerts_on_the_page(monkeypatch, seed_warehouse):
    at = open_page(monkeypatch, seed_warehouse)
    at.text_area(key="breach_to").input("desk@example.com")
    at.text_area(key="breach_people").input("Sam Sales=sam@example.com\n")
    at.number_input(key="breach_hour").set_value(7)
    at.button(key="breach_add").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Subscription 1 added."]
    con = warehouse.shared_connection(seed_warehouse).cursor()
    assert con.execute("select kind, recipients, weekday, hour from subscriptions").fetchall() == [
        ("sla_breach", ["desk@example.com"], None, 7)]
    assert con.execute("select person, address from subscription_people").fetchall() == [
        ("Sam Sales", "sam@example.com")]
    shown = at.dataframe[0].value
    assert shown["kind"].tolist() == ["SLA-breach alert"] and shown["when"].tolist() == ["Daily 07:00"]


def test_a_person_the_warehouse_does_not_know_is_said_on_the_page(monkeypatch, seed_warehouse):
    at = open_page(monkeypatch, seed_warehouse)
    at.text_area(key="breach_to").input("desk@example.com")
    at.text_area(key="breach_people").input("Nobody Here=no@example.com")
    at.button(key="breach_add").click().run()
    assert len(at.error) == 1 and "'Nobody Here' is not a rep in the warehouse" in at.error[0].value
    assert stored(seed_warehouse) == []


def test_messages_waiting_for_a_mail_server_are_said_above_the_list(monkeypatch, seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    subscriptions.add(con, "digest", "email", ["ana@example.com", "bo@example.com"], "monday", 8, LOCAL,
                      datetime(2026, 3, 1))
    outbox.send(con, datetime(2026, 3, 30, 9), None, "no mail server is set")  # week 13's digest, due Monday 8:00
    con.close()
    at = open_page(monkeypatch, seed_warehouse)
    assert [w.value for w in at.warning] == [
        "2 of the latest 2 messages wait to be tried again; the commonest reason: no mail server is set"]
