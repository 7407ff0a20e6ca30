"""One rule per unit, and one way from a code to words: what every page, table, list, pack and CSV note follows."""

import pandas as pd
import pytest

from handshake import dashboard, evidence, formats


@pytest.mark.parametrize(("code", "said"), [
    ("paid_search", "Paid search"), ("paid_social", "Paid social"), ("no_fit", "No fit"), ("bad_data", "Bad data"),
    ("organic", "Organic"), ("events", "Events"), ("sal", "SAL"), ("sql", "SQL"), ("mql", "MQL"),
    ("sql to opportunity", "SQL to opportunity"), ("mql_to_sal", "MQL to SAL"), ("account_executive", "Account executive"),
    ("meeting_held", "Meeting held"), ("no_answer", "No answer"),
    # names with capitals are written as their owner wrote them
    ("Mid-market", "Mid-market"), ("Spring Webinar", "Spring Webinar"), ("SMB", "SMB"), ("(no source)", "(no source)"),
])
def test_a_code_is_said_in_words_the_same_way_everywhere(code, said):
    assert formats.words(code) == said
    assert formats.readable(code) == said  # the older name is the same function


def test_what_is_not_a_code_passes_through_words():
    assert formats.words(None) is None
    assert formats.words("") == ""
    assert formats.words(42) == 42


@pytest.mark.parametrize(("value", "shown"), [
    (950, "€950"),
    (694_012, "€694K"),  # 694.012 thousand, one decimal at most: 694.0 -> 694
    (999_999, "€1M"),  # rounds up to a million rather than "€1,000K"
    (10_595_100, "€10.6M"),  # 10.5951 million
    (16_900_000, "€16.9M"),
    (1_230_000_000, "€1.2B"),
    (-5_000, "-€5K"),
])
def test_money_reads_in_one_format_whatever_its_size(value, shown):
    assert formats.fmt(value, "money") == shown


@pytest.mark.parametrize(("value", "shown"), [
    (0.3411, "34.1%"), (0.92, "92.0%"), (0.7984, "79.8%"), (0.501, "50.1%"),
])
def test_a_rate_always_has_one_decimal(value, shown):
    assert formats.fmt(value, "rate") == shown


@pytest.mark.parametrize(("hours", "shown"), [
    (12.5, "12.5 h"), (47.9, "47.9 h"),
    (48, "2.0 days"),  # 48 / 24
    (2102, "87.6 days"),  # 2,102 / 24 = 87.58
])
def test_a_long_wait_is_read_in_days(hours, shown):
    assert formats.fmt(hours, "hours") == shown


def test_a_table_shows_codes_as_words_and_its_csv_keeps_the_code_beside_them():
    frame = pd.DataFrame({"lead": ["L1", "L2"], "source": ["paid_search", "organic"],
                          "rejection_reason": ["no_fit", None], "mql_count": [3, 4]})
    shown = dashboard.worded(frame)
    assert shown["source"].tolist() == ["Paid search", "Organic"]
    assert shown["rejection_reason"].tolist()[0] == "No fit"
    assert list(shown.columns) == ["lead", "source", "rejection_reason", "mql_count"]
    download = dashboard.worded(frame, keep_codes=True)
    assert list(download.columns) == ["lead", "source", "source_code", "rejection_reason", "rejection_reason_code",
                                      "mql_count"]
    assert download["source_code"].tolist() == ["paid_search", "organic"]


@pytest.mark.parametrize(("outcomes", "others", "judged"), [
    (0, 121, False),  # 0 wins among 121 MQLs: nothing to judge by
    (9, 100, False),
    (10, 10, True),
    (10, 9, False),
    (12, None, True),
])
def test_a_verdict_needs_the_minimum_of_outcomes_on_each_side(outcomes, others, judged):
    assert evidence.MIN_OUTCOMES == 10
    assert evidence.enough(outcomes, others) is judged


def test_what_is_said_instead_of_a_verdict_names_the_count_and_the_minimum():
    assert evidence.too_few(0, "wins") == "Too few wins to judge (0; at least 10 needed)."


@pytest.mark.parametrize(("label", "said"), [
    ("SQL to opportunity", "SQL to opportunity"), ("Inquiry to MQL", "inquiry to MQL"), ("MQL to SAL", "MQL to SAL"),
    ("Opportunity to won", "opportunity to won"),
])
def test_a_label_inside_a_sentence_keeps_its_initials(label, said):
    assert formats.mid_sentence(label) == said
