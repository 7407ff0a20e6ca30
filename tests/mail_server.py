"""Real servers on localhost for the tests that send: SMTP (aiosmtpd) and an HTTP server standing in for Slack's
webhooks: what each received, and how it misbehaves."""

import asyncio
import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What an SMTP server received; `replies` are what it answers to each DATA in turn ('250 OK' once they run out),
    `stall` seconds it waits before answering, `stop_after` messages it takes before going away."""

    def __init__(self, replies=(), stall=0.0, stop_after=None):
        self.replies, self.stall, self.stop_after = list(replies), stall, stop_after
        self.received, self.controller = [], None

    async def handle_DATA(self, server, session, envelope):
        if self.stall:
            await asyncio.sleep(self.stall)
            return "451 4.3.0 too slow"
        reply = self.replies.pop(0) if self.replies else "250 OK"
        if reply.startswith("250"):
            self.received.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
            if self.stop_after and len(self.received) >= self.stop_after:
                threading.Thread(target=self.controller.stop).start()  # the server goes away mid-run
        return reply


class Slack:
    """An HTTP server standing in for Slack's webhooks: answers each POST with the next of `statuses` (200 once they
    run out), after `stall` seconds, and keeps the JSON of those it answered 200."""

    def __init__(self, statuses=(), stall=0.0):
        self.statuses, self.stall, self.received = list(statuses), stall, []
        slack = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if slack.stall:
                    threading.Event().wait(slack.stall)
                status = slack.statuses.pop(0) if slack.statuses else 200
                if status == 200:
                    slack.received.append((self.path, json.loads(body)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"no_service")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/x"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
