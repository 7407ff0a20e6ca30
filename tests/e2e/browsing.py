"""What the end-to-end tests share: the server they start, the browser's settings, and reading a page."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HANDSHAKE_CHROMIUM", "/usr/bin/chromium"))
# Without the networking flags Chromium keeps calling Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The first render pulls Plotly's JavaScript; on two busy cores it has been seen to take 15 s.
WAIT_MS = 30_000
# Where a failing test leaves its screenshot and page text: beside the test report (tests/conftest.py).
ARTEFACTS = ROOT / "test-results" / "e2e"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1280, "height": 720}  # a meeting room's screen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on a free port of localhost, on one warehouse file; with served=N, the served setup
    instead (`python -m handshake serve --workers N`: an owner process holding the file, N dashboard processes and
    the proxy on that port)."""

    def __init__(self, warehouse_path: Path, log: Path, port: int | None = None, secrets: Path | None = None,
                 served: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.served = served
        env = dict(os.environ, HANDSHAKE_WAREHOUSE=str(warehouse_path))
        # a secrets file of the test's own, or none at all: never a developer's ~/.streamlit/secrets.toml
        settings = ["--secrets.files", str(secrets or log.with_suffix(".no-secrets.toml")),
                    "--server.fileWatcherType", "none"]
        if served:
            command = [sys.executable, "-m", "handshake", "serve", "--warehouse", str(warehouse_path),
                       "--workers", str(served), "--port", str(self.port), "--", *settings]
        else:
            command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                       "--server.address", "127.0.0.1", "--server.headless", "true",
                       "--browser.gatherUsageStats", "false", *settings]
        with open(log, "w") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self._wait_healthy(180 if served else 60)

    @property
    def holder_pid(self) -> int:
        """The process that holds the warehouse file: the server itself, or in the served setup its owner."""
        if not self.served:
            return self.process.pid
        return int(re.search(r"is held by process (\d+)", self.log.read_text())[1])

    def _wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The server stopped at start:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200 and (not self.served or "is held by" in self.log.read_text()):
                        return
            except OSError:
                time.sleep(0.25)
        raise RuntimeError(f"The server did not answer in {seconds:.0f} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def settle(page, quiet_ms: int = 400) -> None:
    """Wait until the app is connected, its script has finished running (a click's rerun included) and the page
    has stopped changing: elements still arrive for a moment after the script state says it is done."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
    deadline, before = time.monotonic() + WAIT_MS / 1000, None
    while time.monotonic() < deadline:
        page.wait_for_timeout(quiet_ms)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        now = page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.innerHTML.length")
        if now == before:
            return
        before = now
    raise AssertionError(f"the page was still changing after {WAIT_MS / 1000:.0f} s")


def add_action(page, title: str, owner: str) -> int:
    """Agree an action on the weekly meeting page, as a person types it; its number, once the page confirms it."""
    form = page.locator('[data-testid="stForm"]', has_text="Agree a new action")
    form.get_by_label("What is to be done").fill(title)
    widget(form, "stSelectbox", "Owner").click()
    page.keyboard.type(owner)
    page.keyboard.press("Enter")
    form.get_by_role("button", name="Add action").click()
    notice = page.get_by_text(re.compile(r"Action #\d+ added\."))
    notice.wait_for()
    settle(page)
    return int(re.search(r"#(\d+)", notice.inner_text())[1])


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def widget(scope, testid: str, label: str):
    """The widget of a kind (its data-testid, e.g. stSelectbox) whose label is exactly `label`, on a page or in
    a part of one."""
    page = getattr(scope, "page", scope)  # a Locator knows its page; the label is looked for inside each widget
    exact = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(rf"^{re.escape(label)}$"))
    return scope.locator(f'[data-testid="{testid}"]').filter(has=exact)
