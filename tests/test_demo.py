"""The demo organisation: deterministic, the size asked for, and behaving like a real company."""

import duckdb
import pytest

from handshake import demo

from conftest import DEMO_AS_OF

CHECKSUM = """
select
    (select count(*) from leads), (select sum(hash(l)) from leads l),
    (select sum(hash(f)) from follow_ups f), (select sum(hash(o)) from opportunities o),
    (select sum(hash(c)) from campaigns c), (select sum(hash(r)) from revenue r)
"""


def checksum(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(CHECKSUM).fetchone()


def test_same_seed_gives_the_same_organisation(tmp_path):
    a = demo.generate(tmp_path / "a.duckdb", leads=1000, seed=7, as_of=DEMO_AS_OF)
    b = demo.generate(tmp_path / "b.duckdb", leads=1000, seed=7, as_of=DEMO_AS_OF)
    c = demo.generate(tmp_path / "c.duckdb", leads=1000, seed=8, as_of=DEMO_AS_OF)
    assert checksum(a) == checksum(b)
    assert checksum(a) != checksum(c)
    assert checksum(a)[0] == 1000


def test_replace_is_needed_to_overwrite(tmp_path):
    path = demo.generate(tmp_path / "a.duckdb", leads=1000, as_of=DEMO_AS_OF)
    with pytest.raises(demo.DemoError, match="already exists"):
        demo.generate(path, leads=1000)
    demo.generate(path, leads=2000, as_of=DEMO_AS_OF, replace=True)
    assert checksum(path)[0] == 2000


@pytest.mark.parametrize("profile,leads,message", [
    ("nonsense", 1000, "unknown profile 'nonsense'"),
    ("defined", -5, "choose between 1,000 and 10,000,000"),
    ("defined", 10_000_001, "choose between"),
])
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, profile, leads, message):
    with pytest.raises(demo.DemoError, match=message):
        demo.generate(tmp_path / "x.duckdb", profile=profile, leads=leads)
    assert list(tmp_path.iterdir()) == []


def one(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_sources_differ_in_quality(demo_warehouses):
    best, worst = one(demo_warehouses["defined"], """
        select max(win_rate), min(win_rate) from (
            select source, avg(case when status = 'won' then 1.0 else 0 end) as win_rate
            from leads group by source)
    """)
    assert best > 2.5 * worst


def test_lead_score_predicts_winning(demo_warehouses):
    low, high = one(demo_warehouses["defined"], """
        select
            avg(case when status = 'won' then 1.0 else 0 end) filter (where lead_score < 65),
            avg(case when status = 'won' then 1.0 else 0 end) filter (where lead_score >= 75),
        from leads where mql_at is not null
    """)
    assert high > 1.5 * low


def test_some_mqls_are_never_touched_and_delays_are_long_tailed(demo_warehouses):
    untouched, median, p90 = one(demo_warehouses["defined"], """
        with firsts as (
            select l.lead_id, min(f.touched_at) as first_touch_at, any_value(l.assigned_at) as assigned_at
            from leads l left join follow_ups f using (lead_id)
            where l.mql_at is not null
            group by l.lead_id
        )
        select
            avg(case when first_touch_at is null then 1.0 else 0 end),
            median(epoch(first_touch_at - assigned_at) / 3600),
            quantile_cont(epoch(first_touch_at - assigned_at) / 3600, 0.9),
        from firsts
    """)
    assert 0.05 < untouched < 0.5
    assert p90 > 3 * median


def test_attempts_vary_and_rejections_mostly_carry_reasons(demo_warehouses):
    distinct_attempts, with_reason, without_reason = one(demo_warehouses["defined"], """
        select
            (select count(distinct n) from (select count(*) as n from follow_ups group by lead_id)),
            count(rejection_reason),
            count(*) - count(rejection_reason),
        from leads where rejected_at is not null
    """)
    assert distinct_attempts >= 4
    assert with_reason > without_reason > 0


def test_revenue_follows_won_deals_and_campaigns_have_costs(demo_warehouses):
    path = demo_warehouses["defined"]
    assert one(path, """
        select count(*) from revenue r join opportunities o using (opportunity_id) where not o.is_won
    """)[0] == 0
    booked, won = one(path, """
        select (select sum(amount_eur) from revenue),
               (select sum(amount_eur) from opportunities where is_won)
    """)
    assert 0 < booked <= won
    assert one(path, "select min(cost_eur) > 0, count(*) > 10 from campaigns") == (True, True)


def test_seasonality_summer_is_quieter_than_autumn(demo_warehouses):
    august, october = one(demo_warehouses["defined"], """
        select count(*) filter (where month(created_at) = 8 and year(created_at) = 2026),
               count(*) filter (where month(created_at) = 10 and year(created_at) = 2026)
        from leads
    """)
    assert august < 0.8 * october


def test_no_touch_before_its_lead_and_stages_in_order(demo_warehouses):
    for path in demo_warehouses.values():
        assert one(path, """
            select count(*) from follow_ups f join leads l using (lead_id) where f.touched_at < l.created_at
        """)[0] == 0
        assert one(path, """
            select count(*) from leads
            where mql_at < created_at or assigned_at < mql_at or accepted_at < mql_at
               or sql_at < accepted_at or opportunity_at < sql_at
               or (accepted_at is not null and rejected_at is not null)
        """)[0] == 0


def test_won_leads_have_won_deals(demo_warehouses):
    assert one(demo_warehouses["aligned"], """
        select count(*) from leads l
        where (l.status = 'won') <> exists(select 1 from opportunities o where o.lead_id = l.lead_id and o.is_won)
    """)[0] == 0


@pytest.mark.parametrize("profile,versions,has_revenue_target", [
    ("undefined", 0, False), ("defined", 1, False), ("aligned", 2, False), ("integrated", 3, True),
])
def test_profiles_agree_on_what_their_stage_agrees_on(demo_warehouses, profile, versions, has_revenue_target):
    count, revenue_targets = one(demo_warehouses[profile],
                                 "select count(*), count(monthly_revenue_target_eur) from agreements")
    assert count == versions
    assert (revenue_targets > 0) == has_revenue_target


def test_profiles_differ_in_follow_up_speed(demo_warehouses):
    def median_hours(profile):
        return one(demo_warehouses[profile], """
            select median(epoch(f.first_touch_at - l.mql_at) / 3600)
            from leads l
            join (select lead_id, min(touched_at) as first_touch_at from follow_ups group by lead_id) f using (lead_id)
        """)[0]
    hours = [median_hours(p) for p in ("undefined", "defined", "aligned", "integrated")]
    assert hours == sorted(hours, reverse=True)


def test_later_touches_change_touch_counts_and_nothing_else(tmp_path):
    plain = demo.generate(tmp_path / "plain.duckdb", leads=1000, seed=7, as_of=DEMO_AS_OF)
    heavy = demo.generate(tmp_path / "heavy.duckdb", leads=1000, seed=7, as_of=DEMO_AS_OF, later_touches=4)
    with duckdb.connect(str(heavy), read_only=True) as con:
        con.execute(f"attach '{plain}' as plain (read_only)")
        touched, before, after = con.execute(
            "select (select count(first_touch_at) from plain.lead_facts), (select count(*) from plain.follow_ups), "
            "(select count(*) from follow_ups)").fetchall()[0]
        # about 4 more per touched lead (a uniform 0..8 each), fewer where they would fall after the
        # demo's end: 1,178 more for 378 touched leads with seed 7
        assert 2.5 * touched < after - before < 4 * touched
        # touch counts change, the last touch (and with it the day an idle MQL would count as recycled), and the
        # attempts to reach a lead that sales neither reached nor decided on: a touch of such a lead, however
        # late, is another attempt to reach it
        changing = "touch_count, attempts_to_contact, last_touch_at, recycle_at"
        changed = con.execute(
            f"select count(*) from (select * exclude ({changing}) from lead_facts "
            f"except all select * exclude ({changing}) from plain.lead_facts)").fetchall()[0][0]
        attempts_changed = con.execute(
            "select count(*) from lead_facts h join plain.lead_facts p using (lead_id) "
            "where h.attempts_to_contact <> p.attempts_to_contact "
            "and (p.first_contact_at is not null or p.accepted_at is not null or p.rejected_at is not null)"
        ).fetchall()[0][0]
    assert changed == 0
    assert attempts_changed == 0
    assert checksum(plain)[1] == checksum(heavy)[1]  # the same leads


def test_knobs_override_the_profile_and_are_recorded(tmp_path):
    path = demo.generate(tmp_path / "k.duckdb", leads=2000, as_of=DEMO_AS_OF, knobs={"unassigned_share": 1.0})
    con = duckdb.connect(str(path), read_only=True)
    try:
        owned = con.execute("select count(owner_rep_id), count(*) from leads where mql_at is not null").fetchone()
        recorded = con.execute("select value from meta where key = 'demo_knob_unassigned_share'").fetchone()
    finally:
        con.close()
    assert owned[0] == 0 and owned[1] > 0  # nobody was assigned a lead
    assert recorded == ("1.0",)
    with pytest.raises(demo.DemoError, match="unknown knobs"):
        demo.generate(tmp_path / "x.duckdb", leads=2000, as_of=DEMO_AS_OF, knobs={"tuch_share": 1.0})
    assert not (tmp_path / "x.duckdb").exists()
