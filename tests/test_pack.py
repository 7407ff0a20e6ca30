"""The meeting pack: the HTML, PDF and CSVs carry the page's strings, escaped, self-contained and readable."""

import io
import re
import zipfile
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader

from handshake import pack

SCORECARD_ROWS = [
    ("Pipeline created", "Jürgen Müller", "€1.2M", "€980K", "+22.4%", "€1.1M", "target €1.1M, met", True),
    # up on last week, and still short of the agreed minimum: the change is coloured as not met, not as a rise
    ("Attempts", "Sales", "1.8", "1.8", "+1.9%", "1.7", "agreed minimum 3, not met", False),
    ("Win rate", "Shared", "24.0%", "–", "–", "22.5%", "no target agreed", None),
]
AGENDA = [
    ("New SLA breaches", "7 leads went past 24 h without a touch, 5 of them owned by Jürgen Müller."),
    ("Pipeline", "€1.2M created against €980k last week."),
]
COMMITMENTS = [
    ("Marketing", "Delivered 41 MQLs against a target of 45 (91%)."),
    ("Sales", "Followed up 87.5% of leads within 24 h against a target of 90%."),
]

DETAIL_TABLES = {
    "SLA breaches": pd.DataFrame({"Lead": ["Acme GmbH"], "Hours late": [3.25]}),
    "Post-mortems due": pd.DataFrame({"Deal": []}),
}


def make_pack(tables: dict[str, pd.DataFrame] | None = None) -> pack.Pack:
    """A small pack written by hand, with a title that tries to inject a script."""
    return pack.Pack(
        title="Weekly joint meeting · Week 46 <script>alert(1)</script>",
        subtitle="All segments · times in Europe/Berlin · made 16 Nov 2026 09:12",
        scorecard=pd.DataFrame(SCORECARD_ROWS, columns=pack.SCORECARD + ["meets"]),
        commitments=COMMITMENTS,
        agenda=AGENDA,
        tables=DETAIL_TABLES if tables is None else tables,
        file_stem="handshake-meeting-2026-W46",
    )


def page_strings() -> list[str]:
    """Every string the page shows: scorecard cells, agenda headings and sentences, commitments."""
    cells = [cell for row in SCORECARD_ROWS for cell in row[:7]]
    return cells + [text for pair in AGENDA + COMMITMENTS for text in pair]


def squeeze(text: str) -> str:
    """Text with each run of whitespace made one space, as PDF lines break where the HTML's do not."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def pdf_text() -> str:
    """The text pypdf reads back from the small pack's PDF."""
    reader = PdfReader(io.BytesIO(pack.pdf(make_pack())))
    return squeeze(" ".join(page.extract_text() for page in reader.pages))


def test_html_shows_every_page_string():
    document = pack.html(make_pack())
    missing = [s for s in page_strings() if pack.markup.escape(s) not in document]
    assert missing == []


def test_html_escapes_markup():
    document = pack.html(make_pack())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "<script" not in document


def test_html_fetches_nothing():
    document = pack.html(make_pack()).lower()
    assert [word for word in ("http", "src=", "href=", "@import", "url(", "<link") if word in document] == []


def test_html_prints_scorecard_without_meets_column():
    document = pack.html(make_pack())
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", document.split("<h2>Commitments</h2>")[0])
    assert headers == pack.SCORECARD


def test_html_colours_change_by_verdict():
    document = pack.html(make_pack())
    changes = re.findall(r'<td class="num (good|bad|flat)"[^>]*>([^<]*)</td>', document)
    assert changes == [("good", "+22.4%"), ("bad", "+1.9%"), ("flat", "–")]  # by the agreed level, not the sign


def test_html_says_none_this_week_for_an_empty_table():
    document = pack.html(make_pack())
    after = document.split("<h2>Post-mortems due</h2>")[1]
    assert after.lstrip().startswith('<p class="none">None this week.</p>')
    assert document.count("<table ") == 2  # the scorecard and SLA breaches, none for the empty table


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12345, "12,345"),
        (3.14159, "3.1"),  # one decimal at most
        (1234.0, "1,234"),  # a whole float shows no decimals
        (None, "–"),
        (float("nan"), "–"),
        (pd.NaT, "–"),
        (date(2026, 11, 9), "9 Nov 2026"),
        (pd.Timestamp("2026-11-09 14:05"), "9 Nov 2026 14:05"),
        (pd.Timestamp("2026-11-09"), "9 Nov 2026"),  # DuckDB's DATE arrives as a midnight timestamp
        ("Café <b>", "Café &lt;b&gt;"),
    ],
)
def test_html_formats_detail_values(value, shown):
    document = pack.html(make_pack({"Detail": pd.DataFrame({"Value": [value]})}))
    table = document.split("<h2>Detail</h2>")[1]
    assert re.search(rf"<td[^>]*>{re.escape(shown)}</td>", table)


def test_pdf_is_a_pdf():
    assert pack.pdf(make_pack()).startswith(b"%PDF-")


def test_pdf_shows_every_page_string(pdf_text):
    missing = [s for s in page_strings() if squeeze(s) not in pdf_text]
    assert missing == []


def test_pdf_shows_title_subtitle_and_empty_sentence_unescaped(pdf_text):
    expected = [make_pack().title, make_pack().subtitle, "Post-mortems due None this week."]
    assert [s for s in expected if s not in pdf_text] == []


def test_pdf_shows_every_string_the_html_shows(pdf_text):
    body = pack.html(make_pack()).split("<body>")[1]
    shown = [squeeze(pack.markup.unescape(text)).strip() for text in re.findall(r">([^<]+)<", body)]
    assert [text for text in shown if text and text not in pdf_text] == []


def test_pdf_numbers_pages():
    long = pd.DataFrame({"Lead": [f"Lead {n}" for n in range(120)]})  # 120 rows cannot fit one A4 page
    reader = PdfReader(io.BytesIO(pack.pdf(make_pack({"SLA breaches": long}))))
    pages = len(reader.pages)
    assert pages > 1
    assert [f"Page {n} of {pages}" in reader.pages[n - 1].extract_text() for n in range(1, pages + 1)] == [True] * pages


@pytest.mark.parametrize(
    ("kpi", "landscape"),
    [
        ("Pipeline created", False),  # the small scorecard fits the 186 mm between portrait margins
        ("Share of marketing-qualified leads accepted by sales within two working days of hand-over", True),
    ],
)
def test_pdf_turns_landscape_when_the_scorecard_is_too_wide(kpi, landscape):
    wide = make_pack()
    wide.scorecard.loc[0, "KPI"] = kpi
    page = PdfReader(io.BytesIO(pack.pdf(wide))).pages[0]
    assert (page.mediabox.width > page.mediabox.height) == landscape


def test_zip_holds_one_csv_per_part():
    with zipfile.ZipFile(io.BytesIO(pack.csv_zip(make_pack()))) as archive:
        names = archive.namelist()
    assert names == ["scorecard.csv", "agenda.csv", "commitments.csv", "sla-breaches.csv", "post-mortems-due.csv"]


def test_zip_scorecard_round_trips():
    with zipfile.ZipFile(io.BytesIO(pack.csv_zip(make_pack()))) as archive:
        scorecard = pd.read_csv(archive.open("scorecard.csv"), dtype=str, keep_default_na=False)
    assert list(scorecard.columns) == pack.SCORECARD
    assert [tuple(row) for row in scorecard.itertuples(index=False)] == [row[:7] for row in SCORECARD_ROWS]


def test_zip_tables_keep_raw_values():
    with zipfile.ZipFile(io.BytesIO(pack.csv_zip(make_pack()))) as archive:
        breaches = pd.read_csv(archive.open("sla-breaches.csv"))
    assert breaches.to_dict("records") == [{"Lead": "Acme GmbH", "Hours late": 3.25}]  # not "3.2"


@pytest.mark.parametrize(
    ("name", "file_slug"),
    [
        ("SLA breaches", "sla-breaches"),
        ("Post-mortems due", "post-mortems-due"),
        ("Rückrufe / Wochen", "ruckrufe-wochen"),  # accents dropped, runs of other characters one dash
    ],
)
def test_slug(name, file_slug):
    assert pack.slug(name) == file_slug


def money_card(currency: str) -> pack.Pack:
    """A pack whose scorecard the meeting wrote (meeting.scorecard_table) for an organisation in `currency`."""
    from handshake import meeting
    card = pd.DataFrame([{
        "kpi": "revenue_eur", "label": "Revenue", "owner": "shared", "unit": "money", "this_week": 1_234_567.0,
        "last_week": 980_000.0, "four_week_average": 512.0, "target": 1_500_000.0, "change": "+26.0%",
        "meets": False, "days": 7, "outcomes": None,
    }], dtype=object)
    return pack.Pack(
        title="Weekly joint meeting · Week 46", subtitle="All segments",
        scorecard=meeting.scorecard_table(card, currency=currency),
        commitments=COMMITMENTS, agenda=AGENDA[:1], tables={"Deals": pd.DataFrame({"amount_eur": [1200.5]})},
        file_stem="handshake-meeting-2026-W46", currency=currency,
    )


@pytest.mark.parametrize(("currency", "shown"), [
    ("BRL", ["R$1.2M", "R$980K", "R$512", "target R$1.5M, not met"]),
    ("GBP", ["£1.2M", "£980K", "£512", "target £1.5M, not met"]),
    ("INR", ["₹1.2M", "₹980K", "₹512", "target ₹1.5M, not met"]),
])
def test_html_and_pdf_show_money_in_the_organisations_currency(currency, shown):
    made = money_card(currency)
    document = pack.html(made)
    reader = PdfReader(io.BytesIO(pack.pdf(made)))
    text = squeeze(" ".join(page.extract_text() for page in reader.pages))
    for amount in shown:  # 1,234,567 this week, 980,000 last week, 512 on average, 1,500,000 the target (not met)
        assert amount in document
        assert amount in text  # the embedded font draws the symbol: a missing glyph would not read back
    assert "€" not in document and "€" not in text


def test_zip_names_money_columns_in_the_organisations_currency():
    with zipfile.ZipFile(io.BytesIO(pack.csv_zip(money_card("BRL")))) as archive:
        deals = pd.read_csv(archive.open("deals.csv"))
        scorecard = archive.read("scorecard.csv").decode("utf-8-sig")
    assert deals.to_dict("records") == [{"amount_brl": 1200.5}]
    assert "R$1.2M" in scorecard and "€" not in scorecard


def test_waits_in_days_line_up_and_do_not_break():
    waits = {"SLA breaches": pd.DataFrame({
        "Lead": ["Acme GmbH", "Beta Logistics Nordics AB"], "Campaign": ["Webinar series: AI readiness Q4 2026"] * 2,
        "Deadline": [pd.Timestamp("2026-11-23 04:22")] * 2, "Owner": ["Paul Romano", "Eva Doyle"],
        "Source": ["Paid search", "Content"], "Late by": ["13.8 days", "24.0 h"],  # 331 h and 24 h, as fmt writes them
        "Decision": ["Undecided", "Rejected"],
    })}
    document = pack.html(make_pack(waits))
    assert '<td class="num" align="right" nowrap>13.8 days</td>' in document
    assert '<td class="num" align="right" nowrap>24.0 h</td>' in document
    lines = [line.strip() for page in PdfReader(io.BytesIO(pack.pdf(make_pack(waits)))).pages
             for line in page.extract_text().splitlines()]
    assert any("13.8 days" in line for line in lines)  # one cell, one line: not "13.8" above "days"
