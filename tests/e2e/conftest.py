"""End-to-end: the real server (`streamlit run`) on a warehouse of the test's own, driven in Debian's Chromium
through Playwright. Without Chromium these tests skip on a developer's machine; with CI=true they fail."""

import os
import shutil
from pathlib import Path

import pytest
from e2e.browsing import ARTEFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, WAIT_MS, Server, free_port

from handshake import demo, warehouse


@pytest.fixture(scope="session")
def chromium():
    """Playwright's Chromium, launched from the system's binary: nothing is ever downloaded."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"no Chromium at {CHROMIUM}: apt-get install chromium chromium-driver (.ci/run does)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            problem = "Playwright is not installed: pip install -r requirements.txt"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"End-to-end tests cannot run in CI: {problem}")
        pytest.skip(problem)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def e2e_demo(tmp_path_factory):
    """The default demo organisation, made to end now, as the app makes it on its first start: the weekly
    meeting's last complete week then has data."""
    return demo.generate(tmp_path_factory.mktemp("e2e") / "demo.duckdb")


def start_server(folder: Path, source: Path | None, name: str, prepare=None, secrets=None,
                 served: int | None = None) -> Server:
    """A server on a copy of `source` (None: an empty warehouse), changed first by prepare(con) if given, with
    the secrets.toml that secrets(port) writes if given; with served=N, the served setup of N dashboard
    processes."""
    path = folder / f"{name}.duckdb"
    if source is None:
        warehouse.open_warehouse(path).close()
    else:
        shutil.copyfile(source, path)
    if prepare:
        con = warehouse.open_warehouse(path)
        try:
            prepare(con)
            warehouse.bump_data_version(con)
        finally:
            con.close()
    port, secrets_file = free_port(), None
    if secrets:
        secrets_file = folder / f"{name}.secrets.toml"
        secrets_file.write_text(secrets(port))
    return Server(path, folder / f"{name}.log", port, secrets_file, served)


@pytest.fixture(scope="session")
def demo_server(chromium, e2e_demo, tmp_path_factory):
    """A server on a copy of the demo, shared by the journeys that only read or only add."""
    server = start_server(tmp_path_factory.mktemp("demo_server"), e2e_demo, "demo")
    yield server
    server.stop()


@pytest.fixture
def empty_server(chromium, tmp_path):
    """A server on a warehouse with no rows, for a journey that fills it."""
    server = start_server(tmp_path, None, "empty")
    yield server
    server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def open_page(chromium, request):
    """open_page(url, viewport=DESKTOP): a fresh browser tab. When the test fails, its screenshot and text are
    saved under test-results/e2e/, named after the test."""
    opened = []

    def open_(url: str, viewport: dict = DESKTOP):
        context = chromium.new_context(viewport=viewport, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(url)
        opened.append(page)
        return page

    yield open_
    failed = getattr(request.node, "report_call", None)
    for n, page in enumerate(opened):
        if failed is not None and failed.failed:
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            stem = ARTEFACTS / (request.node.name.replace("/", "_") + (f"-{n}" if n else ""))
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.txt").write_text(f"{page.url}\n\n{page.inner_text('body')}")
            except Exception as e:  # a crashed tab still lets the others be saved
                Path(f"{stem}.txt").write_text(f"{page.url}\n\nno screenshot: {e}")
        page.context.close()


TALLY = {"seconds": 0.0}


def pytest_runtest_logreport(report):
    """Count this folder's tests and their time (server starts and the demo included), for CI's log."""
    TALLY["seconds"] += report.duration
    if report.when == "call" or report.outcome != "passed":
        TALLY[report.outcome] = TALLY.get(report.outcome, 0) + 1


FIGURES: list[str] = []  # what the load and kill tests measured, printed at the end of the run


def pytest_terminal_summary(terminalreporter):
    counts = ", ".join(f"{TALLY[k]} {k}" for k in ("passed", "failed", "skipped") if TALLY.get(k))
    if counts:
        terminalreporter.write_line(f"end-to-end tests in Chromium: {counts} in {TALLY['seconds']:.0f} s "
                                    f"(failures leave a screenshot and the page's text in {ARTEFACTS})")
    for line in FIGURES:
        terminalreporter.write_line(line)
