"""A real SMTP server on localhost for the tests that send (aiosmtpd): what it received, and how it misbehaves."""

import asyncio
import email
import socket
import threading
from email import policy


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
