"""Many people on one dashboard at once, the load the benchmark and the end-to-end tests put on a server.

Reading sessions speak Streamlit's own WebSocket protocol (what a browser tab sends: run this page, then read
every element the script draws), one page after another with a person's pause between them. Writing sessions
answer the questionnaire and add and close the meeting's actions, either as Chromium tabs (Debian's, through
Playwright: the end-to-end tests) or speaking the protocol as those tabs do (protocol_writer: the benchmark,
which should price the server and not a browser drawing beside it); a write counts as confirmed only once its
success message is on the writer's screen.

load() runs them and returns its figures: each page view's seconds, page views per second, the median, 95th
percentile and slowest view, the errors, and the writes confirmed. stored_writes() then reads the warehouse
(once the server has let go of it) to say whether every confirmed write is there, once."""

import asyncio
import concurrent.futures
import math
import os
import random
import re
import signal
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import websockets
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

READ_PAGES = ["", "maturity", "funnel", "follow_up", "lead_quality", "campaigns", "evidence", "weekly_meeting",
              "assessment_results", "glossary", "definitions", "warehouse"]
TIMEOUT_S = 180  # a page under the whole load, on two cores
THINK_S = (5, 15)  # seconds a reader spends on a page before the next: people read what they opened
CHROMIUM = Path(os.environ.get("HANDSHAKE_CHROMIUM", "/usr/bin/chromium"))
# Without the networking flags Chromium keeps calling Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WRITE_GRACE_S = 15  # after a measured time, for a round under way to finish before its writer is stopped
ACTION_TITLE = "Load test action"  # every action a writer adds starts so; the rest of the title is its own


def run(coroutine):
    """asyncio.run, also from a thread whose event loop is already running (Playwright's synchronous API keeps one
    running in the test session's main thread): the coroutine then runs on a loop of its own in another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def utc_now() -> datetime:
    """As the warehouse stores a write's time (assessment._now): UTC, without a zone."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


# ---- reading

def session(url: str):
    """A browser tab's connection to the app at url (async with session(url) as ws). No keepalive pings: a browser
    sends none either, and a busy server answers them late; a busy server also opens a session late, and a browser
    waits for it."""
    return websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                              max_size=None, ping_interval=None, open_timeout=TIMEOUT_S)


WIDGETS = ("radio", "selectbox", "text_input", "button", "date_input")


async def view(ws, page: str, timeout: float = TIMEOUT_S, states=(), fragment: str = "", page_hash: str = "") -> dict:
    """Ask for one page on an open session and read until its script has finished: its seconds, the elements
    drawn, every error the page showed, its widgets and the bodies of its notices. With states (WidgetState
    messages) it is what a browser sends when a widget changed or a button was pressed; with fragment, a widget
    of that fragment did, and the fragment alone runs (unless it asks for the whole page). A browser names the
    page it shows by its hash too (seen["page_hash"] of the last view): a rerun the script asks for (st.rerun)
    runs that page, and without it, the first page."""
    ask = BackMsg()
    ask.rerun_script.query_string = ""
    ask.rerun_script.page_name = page
    ask.rerun_script.fragment_id = fragment
    ask.rerun_script.page_script_hash = page_hash
    ask.rerun_script.widget_states.widgets.extend(states)
    started = time.monotonic()
    await ws.send(ask.SerializeToString())
    seen = {"page": page or "overview", "elements": 0, "errors": [], "finished": None, "started": started,
            "widgets": [], "notices": [], "page_hash": page_hash}
    while seen["finished"] is None:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
        kind = message.WhichOneof("type")
        if kind == "navigation":  # the page drawn, as st.navigation names it
            seen["page_hash"] = message.navigation.page_script_hash
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            seen["elements"] += 1
            what = element.WhichOneof("type")
            if what == "exception":
                seen["errors"].append(f"exception: {element.exception.message}")
            elif what == "alert":
                if element.alert.format == Alert.ERROR:
                    seen["errors"].append(f"error box: {element.alert.body}")
                seen["notices"].append(element.alert.body)
            elif what in WIDGETS:
                widget = getattr(element, what)
                seen["widgets"].append({"kind": what, "label": widget.label, "id": widget.id,
                                        "fragment": message.delta.fragment_id,
                                        "options": list(getattr(widget, "options", []))})
        elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            # a run that ends early for a rerun (a page's first view does, see dashboard.ensure_app_ran) is
            # followed by the rerun
            seen["finished"] = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
    seen["ended"] = time.monotonic()
    seen["seconds"] = round(seen["ended"] - started, 3)
    if seen["finished"] not in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
        seen["errors"].append(f"script ended {seen['finished']}")
    return seen


async def reader(url: str, number: int, views: list, more, think=THINK_S, first_pause: float = 0,
                 pages=READ_PAGES) -> None:
    """One session reading page after page as a browser tab would, while more(views read so far) says so,
    pausing think = (least, most) seconds on each page; the first page after first_pause seconds."""
    await asyncio.sleep(first_pause)
    async with session(url) as ws:
        n = 0
        while more(n):
            seen = await view(ws, pages[(number + n) % len(pages)])
            seen["first"] = n == 0  # the session's first view also starts the session (its first run)
            views.append(seen)
            n += 1
            pause = random.uniform(*think)
            while pause > 0 and more(n):  # in short steps, so a reader stops soon after the load's end
                await asyncio.sleep(min(pause, 1))
                pause -= 1


# ---- writing

def labelled(scope, testid: str, label: str):
    """The widget of a kind whose label is exactly `label` (tests/e2e/browsing.widget, for the async API)."""
    page = getattr(scope, "page", scope)
    exact = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(rf"^{re.escape(label)}$"))
    return scope.locator(f'[data-testid="{testid}"]').filter(has=exact)


async def choose(group, label) -> None:
    """Pick a radio button by its label (a string, exact, or a pattern) and see it picked: on a busy server a
    click can land while a rerun redraws the widget, and be lost."""
    button = group.get_by_role("radio", name=label, exact=True if isinstance(label, str) else None)
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        await group.get_by_text(label, exact=True if isinstance(label, str) else None).click()
        for _ in range(10):
            if await button.is_checked():
                return
            await group.page.wait_for_timeout(200)
        assert time.monotonic() < deadline, f"the radio button {label} could not be picked"


async def shows(locator, what: str, **kwargs) -> None:
    """Wait for a locator; a timeout says what was awaited, so a failed writer names its step."""
    try:
        await locator.wait_for(**kwargs)
    except PlaywrightError as e:
        raise TimeoutError(f"{what}: {str(e).splitlines()[0]} ({await what_the_page_says(locator.page)})") from None


async def what_the_page_says(page) -> str:
    """The app's connection and script state and its boxes' text, for a failure's message."""
    try:
        said = await page.locator('[data-testid="stAlert"], [data-testid="stException"]').all_inner_texts()
        state = await page.locator('[data-testid="stApp"]').first.evaluate(
            "e => `${e.dataset.testConnectionState} ${e.dataset.testScriptState}`", timeout=5000)
    except PlaywrightError as e:
        return f"the page could not be read: {str(e).splitlines()[0]}"
    return f"the app {state}; the page said {' | '.join(said)[:300] or 'nothing in a box'}"


async def finished(page, what: str) -> None:
    """Wait until the page's script run has ended: a form redrawn by a run still going can drop the choices made
    on the form it replaces."""
    await shows(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]'), what)


async def submitted(page, what: str) -> None:
    """Wait for the run a click started to end: until it starts, the last run's boxes (a refusal) are still shown
    and would be read as this one's answer."""
    try:
        await page.locator('[data-testid="stApp"][data-test-script-state="running"]').wait_for(timeout=5000)
    except PlaywrightError:  # over before it was seen running
        pass
    await finished(page, what)


SUBMITS = 3  # a questionnaire writer's tries when the page says a choice was lost (nothing stored each time)


async def answer_questionnaire(page, url: str, writer: int, n: int, confirmed: list, tag: str = "") -> None:
    if n == 0:
        await page.goto(f"{url}/questionnaire")
    await shows(page.get_by_role("button", name="Submit my answers"), f"round {n}: the questionnaire's form")
    refused = page.get_by_text("Nothing was stored yet")
    for attempt in range(1, SUBMITS + 1):
        await finished(page, f"round {n}: the questionnaire's run")
        radios = page.locator('[data-testid="stRadio"]')
        await choose(radios.nth(0), ("Marketing", "Sales")[writer % 2])
        await choose(radios.nth(1), "Staff")
        for statement in range(20):
            await choose(radios.nth(2 + statement), re.compile(rf"^{1 + (writer + n + statement) % 5} "))
        await page.get_by_role("button", name="Submit my answers").click()
        await submitted(page, f"round {n}: the run the submit starts")
        await shows(page.get_by_text("Your score").or_(refused), f"round {n}: the score after submitting")
        if not await refused.count():
            break
        # On a loaded server a rerun can redraw the form under the writer and drop choices it saw made. Nothing was
        # stored, so it does what a person does: answers what the page names again and submits again.
        if attempt == SUBMITS:
            raise AssertionError(f"round {n}, after {SUBMITS} submits: {await refused.first.inner_text()}")
    confirmed.append({"kind": "answers", "writer": writer, "n": n})
    # Streamlit keeps the last run's elements on screen until the new run replaces them: until this result has
    # gone, the next round would read it as the confirmation of its own answers. A click that lands while the
    # result's run is still drawing can be lost; pressing again only clears the same answers again.
    again = page.get_by_role("button", name="Answer for someone else on this device")
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        await again.click()
        try:
            await page.get_by_text("Your score").wait_for(state="detached", timeout=20_000)
            return
        except PlaywrightError:
            if time.monotonic() > deadline or not await again.is_visible():
                raise TimeoutError(f"round {n}: the result did not go after 'Answer for someone else'") from None


async def the_only_form_for(forms, title: str) -> bool:
    if await forms.count() != 1:
        return False
    try:
        return await forms.get_by_label("What is to be done").input_value(timeout=1000) == title
    except PlaywrightError:  # the page changed between the count and the reading
        return False


async def add_and_close_action(page, url: str, writer: int, n: int, confirmed: list, tag: str = "") -> None:
    if n == 0:
        await page.goto(f"{url}/weekly_meeting")
    title = f"{ACTION_TITLE} {tag}{writer}.{n}"
    form = page.locator('[data-testid="stForm"]', has_text="Agree a new action")
    await form.get_by_label("What is to be done").fill(title)
    await labelled(form, "stSelectbox", "Owner").click()
    await page.keyboard.type(f"Writer {writer}")
    await page.keyboard.press("Enter")
    await form.get_by_role("button", name="Add action").click()
    notice = page.get_by_text(re.compile(r"^Action #\d+ added\.$"))
    await shows(notice, f"round {n}: the notice that the action was added")
    action_id = int(re.search(r"#(\d+)", await notice.inner_text())[1])
    confirmed.append({"kind": "action", "writer": writer, "n": n, "action_id": action_id, "title": title})

    await labelled(page, "stSelectbox", "Action").click()
    await page.keyboard.type(f"#{action_id} ·")
    option = page.get_by_role("option", name=f"#{action_id} · {title}")
    for _ in range(20):  # a click on a list that has the focus closes it; the arrow key opens it again
        if await option.is_visible():
            break
        await page.keyboard.press("ArrowDown")
        await page.wait_for_timeout(500)
    await option.click()
    # the form of the action picked before stays on the page until the rerun has drawn this one's
    forms = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Save", exact=True))
    deadline = time.monotonic() + TIMEOUT_S
    while not await the_only_form_for(forms, title):
        assert time.monotonic() < deadline, f"the form of action #{action_id} did not come"
        await page.wait_for_timeout(200)
    form = forms
    await form.locator('[data-testid="stRadio"]').get_by_text("Done", exact=True).click()
    await form.get_by_role("button", name="Save", exact=True).click()
    await shows(page.get_by_text(f"Action #{action_id} saved."), f"round {n}: the notice that #{action_id} was saved")
    confirmed.append({"kind": "closed", "writer": writer, "n": n, "action_id": action_id, "title": title})


async def writer(browser, url: str, number: int, more, confirmed: list, failures: list, tag: str = "",
                 artefacts: Path | None = None) -> None:
    """One person writing round after round while more(rounds done) says so: even numbers answer the
    questionnaire, odd ones add an action and close it (one round). A failure is recorded, with a screenshot
    in artefacts if given, and ends this writer."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)
    write = answer_questionnaire if number % 2 == 0 else add_and_close_action
    try:
        n = 0
        while more(n):
            await write(page, url, number, n, confirmed, tag)
            n += 1
    except asyncio.CancelledError:
        raise
    except Exception as e:
        failures.append(f"writer {number}: {type(e).__name__}: {str(e).splitlines()[0]}")
        if artefacts:
            await page.screenshot(path=str(Path(artefacts) / f"writer_{number}.png"))
    finally:
        await context.close()


# ---- writing as a browser tab speaks it

def widget(seen: dict, kind: str, label: str, in_fragment: bool | None = None) -> dict:
    """The first widget of that kind and label the last run drew (in a fragment, or outside every fragment, when
    in_fragment says which)."""
    for w in seen["widgets"]:
        if w["kind"] == kind and w["label"] == label and in_fragment in (None, bool(w["fragment"])):
            return w
    raise LookupError(f"{seen['page']}: no {kind} labelled {label!r} on the page"
                      + "".join(f"; {e}" for e in seen["errors"][:2]))


def value(w: dict, text: str) -> WidgetState:
    """A radio button, select box or text box set to text (a radio or select box sends its option's text)."""
    if w["options"] and text not in w["options"] and w["kind"] == "radio":
        raise LookupError(f"{w['label']!r} has no option {text!r}")
    return WidgetState(id=w["id"], string_value=text)


def pressed(w: dict) -> WidgetState:
    return WidgetState(id=w["id"], trigger_value=True)


def notice(seen: dict, pattern: str) -> re.Match:
    """The first notice on the page matching pattern, or an error naming what the page said instead."""
    for body in seen["notices"]:
        if found := re.fullmatch(pattern, body):
            return found
    raise LookupError(f"{seen['page']}: no notice {pattern!r}; it said {seen['notices'][:3]} "
                      f"{seen['errors'][:2]}")


async def protocol_answers(ws, writer: int, n: int, confirmed: list, tag: str, seen: dict) -> dict:
    """The questionnaire answered and submitted, then "Answer for someone else" pressed, as Chromium would."""
    if n == 0:
        seen = await view(ws, "questionnaire")
    radios = [w for w in seen["widgets"] if w["kind"] == "radio"]
    states = [value(radios[0], radios[0]["options"][writer % 2]), value(radios[1], radios[1]["options"][0])]
    for statement, radio in enumerate(radios[2:]):
        states.append(value(radio, radio["options"][(writer + n + statement) % 5]))
    states.append(pressed(widget(seen, "button", "Submit my answers")))
    started = time.monotonic()
    seen = await view(ws, "questionnaire", states=states, page_hash=seen["page_hash"])
    notice(seen, r"Thank you: your answers are stored in round .+\.")
    confirmed.append({"kind": "answers", "writer": writer, "n": n, "seconds": round(time.monotonic() - started, 3)})
    again = widget(seen, "button", "Answer for someone else on this device")
    return await view(ws, "questionnaire", states=[pressed(again)], page_hash=seen["page_hash"])


async def protocol_action(ws, writer: int, n: int, confirmed: list, tag: str, seen: dict) -> dict:
    """An action agreed in the meeting's form, then picked in "Update an action" and saved as done."""
    if n == 0:
        seen = await view(ws, "weekly_meeting")
    title = f"{ACTION_TITLE} {tag}{writer}.{n}"
    # the form to update an action has a "What is to be done" too, in a fragment since issue 21 and after this one
    states = [value(widget(seen, "text_input", "What is to be done", in_fragment=False), title),
              value(widget(seen, "selectbox", "Owner", in_fragment=False), f"Writer {writer}"),
              pressed(widget(seen, "button", "Add action"))]
    started = time.monotonic()
    seen = await view(ws, "weekly_meeting", states=states, page_hash=seen["page_hash"])
    action_id = int(notice(seen, r"Action #(\d+) added\.")[1])
    confirmed.append({"kind": "action", "writer": writer, "n": n, "action_id": action_id, "title": title,
                      "seconds": round(time.monotonic() - started, 3)})

    pick = widget(seen, "selectbox", "Action")
    seen = await view(ws, "weekly_meeting", states=[value(pick, f"#{action_id} · {title}")],
                      fragment=pick["fragment"], page_hash=seen["page_hash"])
    status = widget(seen, "radio", "Status")
    save = widget(seen, "button", "Save")
    started = time.monotonic()
    seen = await view(ws, "weekly_meeting", states=[value(status, "Done"), pressed(save)], fragment=save["fragment"],
                      page_hash=seen["page_hash"])
    notice(seen, rf"Action #{action_id} saved\.")
    confirmed.append({"kind": "closed", "writer": writer, "n": n, "action_id": action_id, "title": title,
                      "seconds": round(time.monotonic() - started, 3)})
    return seen


async def protocol_writer(url: str, number: int, more, confirmed: list, failures: list, tag: str = "",
                          think=(0, 0)) -> None:
    """writer() without a browser: the same rounds sent as Chromium sends them (the widgets' values and the
    button pressed, in one message per press), so a measurement prices the server, not the browser drawing
    beside it on the same cores. think = (least, most) seconds between presses, as a person takes."""
    write = protocol_answers if number % 2 == 0 else protocol_action
    try:
        async with session(url) as ws:
            n, seen = 0, None
            while more(n):
                seen = await write(ws, number, n, confirmed, tag, seen)
                n += 1
                await asyncio.sleep(random.uniform(*think))
    except asyncio.CancelledError:
        raise
    except Exception as e:
        failures.append(f"writer {number}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")


def chromium_missing() -> str | None:
    """Why the writers cannot run here, or None."""
    return None if CHROMIUM.exists() else f"no Chromium at {CHROMIUM} (apt-get install chromium)"


# ---- the load

async def load(url: str, readers: int, writers: int = 0, *, seconds: float | None = None, ramp: float = 0,
               rounds: int | None = None, min_seconds: float = 0, think=THINK_S, tag: str = "",
               artefacts: Path | None = None, kill_pid: int | None = None, kill_after: int = 10,
               browsers: bool = True) -> dict:
    """Readers and writers on the server at url at once; its figures (figures()) with every write confirmed.

    With seconds, a fixed measuring time after `ramp` seconds in which the readers arrive one by one, each
    opening its session with a first page (as people come in through a morning, not all in the same instant;
    views begun in the ramp are not timed, their errors count): readers read until it ends, writers write round
    after round from the start until it ends. A view under way at the end is finished; a round under way gets
    WRITE_GRACE_S more, then its writer is stopped (writers_cut counts them: a write stored without its
    confirmation is no loss). Without seconds, writers make `rounds` rounds each and readers read until they
    are done and min_seconds have passed (two pages at least). With kill_pid, that process is killed with
    SIGKILL once kill_after writes are confirmed, and every session stops where it was. Writers are Chromium tabs,
    or with browsers=False sessions sending what those tabs send (protocol_writer)."""
    views, confirmed, failures = [], [], []
    writers_done = asyncio.Event()
    started = time.monotonic()
    began_utc = utc_now()
    measuring = started + (ramp if seconds else 0)
    end = measuring + seconds if seconds else None
    killed_at = None
    writers_cut = [0]

    def more_views(n: int) -> bool:
        if end:
            return time.monotonic() < end
        return n < 2 or not writers_done.is_set() or time.monotonic() < started + min_seconds

    def more_rounds(n: int) -> bool:
        return (rounds is None or n < rounds) and (end is None or time.monotonic() < end)

    async def reading_and_writing(browser):
        nonlocal killed_at
        writing = [asyncio.create_task(writer(browser, url, n, more_rounds, confirmed, failures, tag, artefacts)
                                       if browser else
                                       protocol_writer(url, n, more_rounds, confirmed, failures, tag))
                   for n in range(writers)]
        reading = [asyncio.create_task(reader(url, n, views, more_views, think, random.uniform(0, ramp)))
                   for n in range(readers)]
        if kill_pid:
            while len(confirmed) < kill_after and not all(w.done() for w in writing):
                await asyncio.sleep(0.05)
            os.kill(kill_pid, signal.SIGKILL)
            killed_at = round(time.monotonic() - started, 1)
            confirmed_at_kill = list(confirmed)  # nothing can be confirmed by a dead server
            for task in writing + reading:
                task.cancel()
            await asyncio.gather(*writing, *reading, return_exceptions=True)
            confirmed[:] = confirmed_at_kill
            return
        if end:  # the measured time is over when the readers stop: a write still under way gets a little longer
            outcomes = await asyncio.gather(*reading, return_exceptions=True)
            _, cut = await asyncio.wait(writing, timeout=WRITE_GRACE_S) if writing else (None, set())
            for task in cut:  # its write may be stored without its confirmation: counted apart, not as lost
                task.cancel()
            await asyncio.gather(*writing, return_exceptions=True)
            writers_cut[0] = len(cut)
        else:
            await asyncio.gather(*writing)
            writers_done.set()
            outcomes = await asyncio.gather(*reading, return_exceptions=True)
        failures.extend(f"reader {n}: {type(o).__name__}: {o}" for n, o in enumerate(outcomes) if o is not None)

    if writers and browsers:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                await reading_and_writing(browser)
            finally:
                await browser.close()
    else:
        await reading_and_writing(None)
    result = {"readers": readers, "writers": writers, "think_s": list(think), **figures(views, measuring, seconds),
              "confirmed": confirmed, "failures": failures, "killed_at_s": killed_at, "writers_cut": writers_cut[0],
              "began_utc": began_utc.isoformat(), "ended_utc": utc_now().isoformat(),
              "seconds": round(time.monotonic() - started, 1)}
    result["errors"] = len(result["page_view_errors"]) + len(failures)
    # a protocol writer times each write, from pressing the button to the page saying it was stored
    writes = sorted(c["seconds"] for c in confirmed if "seconds" in c)
    result["median_write_s"] = round(statistics.median(writes), 3) if writes else None
    result["slowest_write_s"] = writes[-1] if writes else None
    return result


def percentile(ordered: list[float], share: float):
    """The nearest-rank percentile of sorted values: the smallest value at least `share` of them do not exceed."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else None


def figures(views: list[dict], started: float, seconds: float | None) -> dict:
    """Of the views begun from `started` on: the median, 95th percentile and slowest, and per page its views,
    median and slowest; page views per second (views finished in the `seconds` from started, over them; without
    seconds, until the last view ended); every view's error, those begun before started included."""
    timed = [v for v in views if v["started"] >= started]
    times = sorted(v["seconds"] for v in timed)
    slowest = max(timed, key=lambda v: v["seconds"], default=None)
    window = seconds or (max((v["ended"] for v in views), default=started) - started)
    inside = sum(started <= v["ended"] <= started + window for v in views)
    pages = {}
    for v in timed:
        pages.setdefault(v["page"], []).append(v["seconds"])
    return {
        "page_views": len(timed), "views_before": len(views) - len(timed),
        "views_per_s": round(inside / window, 2) if window else None,
        "median_view_s": round(statistics.median(times), 3) if times else None,
        "p95_view_s": percentile(times, 0.95),
        "slowest_view_s": times[-1] if times else None,
        "slowest_page": slowest["page"] if slowest else None,
        "page_view_errors": [f"{v['page']}: {e}" for v in views for e in v["errors"]],
        "per_page": {page: {"views": len(t), "median_s": round(statistics.median(t), 3), "slowest_s": max(t)}
                     for page, t in sorted(pages.items())},
    }


async def warm(url: str, sessions: int = 1) -> None:
    """Each of `sessions` sessions reads every page once, all at once, nothing counted: the first people of the
    day, who fill the caches (one session per worker of a served setup)."""
    await asyncio.gather(*(reader(url, n, [], lambda n: n < len(READ_PAGES), think=(0, 0))
                           for n in range(sessions)))


async def alone(url: str, rounds: int = 2, pages=READ_PAGES) -> dict:
    """One session alone, without pausing: every page `rounds` times, after one round not counted (which
    opens the session and fills whatever the first viewer of a page fills). Its figures, per page included."""
    views = []
    async with session(url) as ws:
        for page in pages:
            await view(ws, page)
        started = time.monotonic()
        for _ in range(rounds):
            for page in pages:
                views.append(await view(ws, page))
    return {"readers": 1, "writers": 0, "think_s": [0, 0], "rounds": rounds, **figures(views, started, None),
            "errors": sum(len(v["errors"]) for v in views)}


# ---- what the warehouse kept

def stored_writes(path, confirmed: list, tag: str, since: str, until: str) -> dict:
    """Whether every write confirmed during one load (its writes tagged `tag`, between since and until, UTC)
    is in the warehouse, once: questionnaire responses submitted in that time, actions carrying the tag in
    their title, and their changes to done. Read once the server has let go of the file."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        responses = con.execute("select count(*) from assessment_responses where submitted_at between $since and "
                                "$until", {"since": since, "until": until}).fetchone()[0]
        rows = con.execute("""
            select a.title, count(distinct a.action_id),
                   count(h.action_id) filter (where h.field = 'status' and h.new_value = 'done')
            from meeting_actions a left join meeting_action_history h using (action_id)
            where starts_with(a.title, $prefix) group by a.title""", {"prefix": f"{ACTION_TITLE} {tag}"}).fetchall()
    finally:
        con.close()
    if not tag:  # untagged titles are a prefix of every tagged one: keep only the untagged shape
        rows = [r for r in rows if re.fullmatch(rf"{ACTION_TITLE} \d+\.\d+", r[0])]
    actions = {title: (n, closed) for title, n, closed in rows}
    answered = sum(w["kind"] == "answers" for w in confirmed)
    added = [w["title"] for w in confirmed if w["kind"] == "action"]
    closed = [w["title"] for w in confirmed if w["kind"] == "closed"]
    lost = (max(0, answered - responses) + sum(title not in actions for title in added)
            + sum(actions.get(title, (0, 0))[1] == 0 for title in closed))
    doubled = sum(n - 1 for n, _ in actions.values()) + sum(max(0, c - 1) for _, c in actions.values())
    return {"confirmed": answered + len(added) + len(closed),
            "stored": responses + sum(n for n, _ in actions.values()) + sum(c for _, c in actions.values()),
            "lost": lost, "doubled": doubled,
            # stored without their confirmation reaching the writer (a writer that failed mid-write)
            "unconfirmed": max(0, responses - answered) + sum(t not in added for t in actions)}
