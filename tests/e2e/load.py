"""Many people on one dashboard at once: reading sessions speak Streamlit's own WebSocket protocol (what the
browser sends: run this page, then read every element the script draws), writing sessions are Chromium tabs
answering the questionnaire and adding and closing the meeting's actions. Prints its figures as JSON.

    python tests/e2e/load.py URL --readers 50 --writers 10 [--kill-pid PID --kill-after N]

Readers read by page name, round the pages, until the writers are done. A write counts as confirmed only once
its success message is on the writer's screen. With --kill-pid, the server is killed with SIGKILL once N writes
are confirmed, and every writer stops where it was."""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

import websockets
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from e2e.browsing import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

READ_PAGES = ["", "maturity", "funnel", "follow_up", "lead_quality", "campaigns", "evidence", "weekly_meeting",
              "assessment_results", "glossary", "definitions", "warehouse"]
TIMEOUT_S = 180  # a page under the whole load, on two cores
THINK_S = (5, 15)  # seconds a reader spends on a page before the next: people read what they opened


async def reader(url: str, number: int, done: asyncio.Event, views: list, until: float = 0) -> None:
    """One session reading page after page, as a browser tab would, until the writers are done (two pages at
    least). Each view records its page, seconds, elements drawn and any error the page showed."""
    address = url.replace("http", "ws", 1) + "/_stcore/stream"
    # no keepalive pings: a browser sends none either, and a busy server answers them late
    async with websockets.connect(address, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
        n = 0
        while n < 2 or not done.is_set() or time.monotonic() < until:
            page = READ_PAGES[(number + n) % len(READ_PAGES)]
            ask = BackMsg()
            ask.rerun_script.query_string = ""
            ask.rerun_script.page_name = page
            started = time.monotonic()
            await ws.send(ask.SerializeToString())
            seen = {"page": page or "overview", "elements": 0, "errors": [], "finished": None}
            while seen["finished"] is None:
                message = ForwardMsg()
                message.ParseFromString(await asyncio.wait_for(ws.recv(), TIMEOUT_S))
                kind = message.WhichOneof("type")
                if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                    element = message.delta.new_element
                    seen["elements"] += 1
                    if element.WhichOneof("type") == "exception":
                        seen["errors"].append(f"exception: {element.exception.message}")
                    elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR:
                        seen["errors"].append(f"error box: {element.alert.body}")
                elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    # a run that ends early for a rerun (a page's first view does, see dashboard.ensure_app_ran)
                    # is followed by the rerun
                    seen["finished"] = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            seen["seconds"] = round(time.monotonic() - started, 2)
            if seen["finished"] != "FINISHED_SUCCESSFULLY":
                seen["errors"].append(f"script ended {seen['finished']}")
            views.append(seen)
            n += 1
            await asyncio.sleep(random.uniform(*THINK_S))


def labelled(scope, testid: str, label: str):
    """The widget of a kind whose label is exactly `label` (browsing.widget, for the async API)."""
    page = getattr(scope, "page", scope)
    exact = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(rf"^{re.escape(label)}$"))
    return scope.locator(f'[data-testid="{testid}"]').filter(has=exact)


async def answer_questionnaire(page, url: str, writer: int, n: int, confirmed: list) -> None:
    if n == 0:
        await page.goto(f"{url}/questionnaire")
    await page.get_by_role("button", name="Submit my answers").wait_for()
    radios = page.locator('[data-testid="stRadio"]')
    await radios.nth(0).get_by_text(("Marketing", "Sales")[writer % 2], exact=True).click()
    await radios.nth(1).get_by_text("Staff", exact=True).click()
    for statement in range(20):
        await radios.nth(2 + statement).get_by_text(re.compile(rf"^{1 + (writer + n + statement) % 5} ")).click()
    await page.get_by_role("button", name="Submit my answers").click()
    await page.get_by_text("Your score").wait_for()
    confirmed.append({"kind": "answers", "writer": writer, "n": n})
    await page.get_by_role("button", name="Answer for someone else on this device").click()
    # Streamlit keeps the last run's elements on screen until the new run replaces them: until this result has
    # gone, the next round would read it as the confirmation of its own answers
    await page.get_by_text("Your score").wait_for(state="detached")


async def the_only_form_for(forms, title: str) -> bool:
    if await forms.count() != 1:
        return False
    try:
        return await forms.get_by_label("What is to be done").input_value(timeout=1000) == title
    except PlaywrightError:  # the page changed between the count and the reading
        return False


async def add_and_close_action(page, url: str, writer: int, n: int, confirmed: list) -> None:
    if n == 0:
        await page.goto(f"{url}/weekly_meeting")
    title = f"Load test action {writer}.{n}"
    form = page.locator('[data-testid="stForm"]', has_text="Agree a new action")
    await form.get_by_label("What is to be done").fill(title)
    await labelled(form, "stSelectbox", "Owner").click()
    await page.keyboard.type(f"Writer {writer}")
    await page.keyboard.press("Enter")
    await form.get_by_role("button", name="Add action").click()
    notice = page.get_by_text(re.compile(r"^Action #\d+ added\.$"))
    await notice.wait_for()
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
    await page.get_by_text(f"Action #{action_id} saved.").wait_for()
    confirmed.append({"kind": "closed", "writer": writer, "n": n, "action_id": action_id})


async def writer(browser, url: str, number: int, rounds: int, confirmed: list, failures: list) -> None:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)
    write = answer_questionnaire if number % 2 == 0 else add_and_close_action
    try:
        for n in range(rounds):
            await write(page, url, number, n, confirmed)
    except asyncio.CancelledError:
        raise
    except Exception as e:  # recorded, and the test fails on it unless the server was killed
        failures.append(f"writer {number}: {type(e).__name__}: {str(e).splitlines()[0]}")
        await page.screenshot(path=str(Path(os.environ.get("LOAD_ARTEFACTS", "/tmp")) / f"writer_{number}.png"))
    finally:
        await context.close()


async def main(args) -> dict:
    views, confirmed, failures = [], [], []
    done = asyncio.Event()
    started = time.monotonic()
    killed_at = None
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        writers = [asyncio.create_task(writer(browser, args.url, n, args.rounds, confirmed, failures))
                   for n in range(args.writers)]
        readers = [asyncio.create_task(reader(args.url, n, done, views, started + args.min_seconds))
                   for n in range(args.readers)]
        if args.kill_pid:
            while len(confirmed) < args.kill_after and not all(w.done() for w in writers):
                await asyncio.sleep(0.05)
            os.kill(args.kill_pid, signal.SIGKILL)
            killed_at = round(time.monotonic() - started, 1)
            confirmed_at_kill = list(confirmed)  # nothing can be confirmed by a dead server
            for task in writers + readers:
                task.cancel()
            await asyncio.gather(*writers, *readers, return_exceptions=True)
            confirmed = confirmed_at_kill
        else:
            await asyncio.gather(*writers)
            done.set()
            outcomes = await asyncio.gather(*readers, return_exceptions=True)
            failures += [f"reader {n}: {type(o).__name__}: {o}" for n, o in enumerate(outcomes) if o is not None]
        await browser.close()
    seconds = sorted(v["seconds"] for v in views)
    return {
        "readers": args.readers, "writers": args.writers, "page_views": len(views),
        "page_view_errors": [e for v in views for e in v["errors"]],
        "median_view_s": seconds[len(seconds) // 2] if seconds else None,
        "slowest_view_s": seconds[-1] if seconds else None,
        "confirmed": confirmed, "failures": failures, "killed_at_s": killed_at,
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="writes each writer makes (an action and its close "
                                                              "count as one round)")
    parser.add_argument("--min-seconds", type=float, default=0, help="readers read at least this long")
    parser.add_argument("--kill-pid", type=int)
    parser.add_argument("--kill-after", type=int, default=10, help="confirmed writes before the kill")
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
