"""Exactly once when the sender is killed: `python -m handshake send` as a real process, SIGKILLed while a real SMTP
server (aiosmtpd on 127.0.0.1) holds it inside a send, after the outbox recorded the message and before it could be
marked sent. The next run sends what was left, each message once."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import duckdb

from conftest import DEMO_AS_OF
from handshake import outbox, subscriptions, warehouse
from handshake.access import LOCAL
from mail_server import Mailbox

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = DEMO_AS_OF  # Monday 2 Nov 2026 12:00 UTC: the Monday 8:00 digest of week 44 is due
SLOW_START_S = 90  # importing, opening the warehouse and building the pack and its PDF on two busy cores


class HoldingMailbox(Mailbox):
    """A mail server that, the first time it is asked to take a message for `held`, answers nothing until
    `release` is set: the sender waits inside its send. `entered` says it is waiting there. The message never
    reached DATA, so the server has not taken it: anything received is received once."""

    def __init__(self, held: str):
        super().__init__()
        self.held, self.entered, self.release = held, threading.Event(), threading.Event()
        self.asked = []  # every RCPT TO, held or not

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.asked.append(address)
        if address == self.held and not self.entered.is_set():
            self.entered.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "421 4.3.0 held until the sender went away"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"


def send(path, secrets, now: datetime) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "handshake", "send", "--warehouse", str(path), "--now",
                             now.isoformat(), "--secrets", str(secrets)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outbox_rows(path):
    # read-only and in a fresh process's place: what the next run finds on disk, the WAL of the dead one included
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select recipient, state, attempts, last_error from outbox order by message_id").fetchall()


def test_a_sender_killed_inside_a_send_leaves_the_next_run_to_send_each_message_once(send_demo, smtp, tmp_path):
    path = shutil.copy(send_demo, tmp_path / "warehouse.duckdb")
    con = warehouse.open_warehouse(path)
    subscriptions.add(con, "digest", "email", ["ana@example.com", "bo@example.com", "cy@example.com"], "monday", 8,
                      LOCAL, datetime(2026, 10, 20))
    con.close()
    mailbox = HoldingMailbox("bo@example.com")
    settings = smtp(mailbox)
    secrets = tmp_path / "secrets.toml"
    # the client's timeout is long: the sender must still be waiting when it is killed, not giving up on its own
    secrets.write_text(f'[handshake.smtp]\nhost = "127.0.0.1"\nport = {settings["port"]}\n'
                       f'from = "hs@example.com"\ntimeout = {SLOW_START_S}\n')

    first = send(path, secrets, NOW)
    deadline = time.monotonic() + SLOW_START_S
    while not mailbox.entered.wait(0.2):
        assert first.poll() is None, f"the sender ended before it was held:\n{first.communicate()}"
        assert time.monotonic() < deadline, "the sender never reached the held recipient"
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    mailbox.release.set()

    # ana went out and was marked; bo was recorded, its attempt counted and left to wait; cy was recorded, not tried
    assert [to for (to,), _ in mailbox.received] == ["ana@example.com"]
    assert outbox_rows(path) == [
        ("ana@example.com", "sent", 1, None),
        ("bo@example.com", "queued", 1, "an attempt was started and not finished"),
        ("cy@example.com", "queued", 0, None),
    ]

    # past bo's wait after its first attempt (5 minutes): the dead run's lock went with it, and both are sent
    later = NOW + outbox.wait(1)
    second = send(path, secrets, later)
    out, err = second.communicate(timeout=SLOW_START_S)
    assert (second.returncode, out, err) == (0, "sent 2, waiting to be tried again 0, failed 0\n", "")
    # and a run an hour on finds nothing left to send
    third = send(path, secrets, later + timedelta(hours=1))
    out, err = third.communicate(timeout=SLOW_START_S)
    assert (third.returncode, out) == (0, "sent 0, waiting to be tried again 0, failed 0\n")

    delivered = sorted(to for tos, _ in mailbox.received for to in tos)
    assert delivered == ["ana@example.com", "bo@example.com", "cy@example.com"]
    # bo was asked for twice (held, then taken), the others once each: 4 RCPTs, 3 messages
    assert sorted(mailbox.asked) == ["ana@example.com", "bo@example.com", "bo@example.com", "cy@example.com"]
    # bo's second attempt is its attempts = 1 + 1
    assert outbox_rows(path) == [
        ("ana@example.com", "sent", 1, None),
        ("bo@example.com", "sent", 2, None),
        ("cy@example.com", "sent", 1, None),
    ]
    assert all(message["Subject"].endswith("Week 44 · 26 Oct – 1 Nov 2026") for _, message in mailbox.received)
