"""The proxy in front of several dashboard processes: it keeps each browser on one of them.

A Streamlit session lives in the process that opened it (its WebSocket, its uploads, its downloads), so every
request of one browser must reach the same process. The proxy reads the head of the first request on each
connection a browser opens and sends the connection to the process its cookie names, or, for a browser it has
not seen, to the process with the fewest open sessions, adding a cookie naming it to the answer. From there on
it passes the bytes both ways unread: the WebSocket's messages are not decoded and encoded again, so the proxy
costs the machine little of what the dashboard processes need (a browser's connection goes to one process,
and every request on it comes from the same browser). Plain asyncio: nothing to install."""

import asyncio
import itertools
import re
import socket
import sys

COOKIE = "handshake_process"
NAMED = re.compile(rb"(?:^|;)\s*" + COOKIE.encode() + rb"=(\d+)")
CHUNK = 1 << 16


class Proxy:
    def __init__(self, backends: list[str]):
        self.backends = backends  # "127.0.0.1:8601", ...
        self.sessions = [0] * len(backends)
        self.turn = itertools.count()

    def pick(self, cookies: bytes) -> tuple[int, bool]:
        """The process for a connection, and whether the browser was new to the proxy."""
        named = NAMED.search(cookies)
        if named and int(named[1]) < len(self.backends):
            return int(named[1]), False
        start = next(self.turn)  # ties go round, so an idle server spreads its first visitors too
        order = [(start + i) % len(self.backends) for i in range(len(self.backends))]
        return min(order, key=lambda i: self.sessions[i]), True

    async def connection(self, browser_in: asyncio.StreamReader, browser_out: asyncio.StreamWriter) -> None:
        try:
            head = await browser_in.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            browser_out.close()
            return
        headers = head_fields(head)
        chosen, new = self.pick(b";".join(headers.get(b"cookie", [])))
        websocket = any(v.strip().lower() == b"websocket" for v in headers.get(b"upgrade", []))
        host, port = self.backends[chosen].rsplit(":", 1)
        try:
            process_in, process_out = await asyncio.open_connection(host, int(port))
        except OSError as e:
            print(f"proxy: {head.split(b' ', 2)[1].decode('latin-1')} to process {chosen + 1} failed: "
                  f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
            await refuse(browser_out, "This dashboard process is not answering; reload the page in a moment.")
            return
        for writer in (browser_out, process_out):
            # small messages (a WebSocket's) leave at once, not after the peer's delayed acknowledgement
            writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if websocket:
            self.sessions[chosen] += 1
        try:
            process_out.write(head)
            if new and not websocket:  # the answer names the process for the browser's later connections
                answer = await process_in.readuntil(b"\r\n\r\n")
                browser_out.write(answer[:-2] + b"Set-Cookie: " + COOKIE.encode() + b"=" + str(chosen).encode()
                                  + b"; Path=/; HttpOnly; SameSite=Lax\r\n\r\n")
            await first_to_end(pipe(browser_in, process_out), pipe(process_in, browser_out))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # either side went away: so does the other
        finally:
            if websocket:
                self.sessions[chosen] -= 1
            for writer in (process_out, browser_out):
                writer.close()


def head_fields(head: bytes) -> dict[bytes, list[bytes]]:
    """A request head's header fields, by lower-case name."""
    fields: dict[bytes, list[bytes]] = {}
    for line in head.split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon:
            fields.setdefault(name.strip().lower(), []).append(value.strip())
    return fields


async def refuse(writer: asyncio.StreamWriter, why: str) -> None:
    body = why.encode()
    writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    try:
        await writer.drain()
    except ConnectionError:
        pass
    writer.close()


async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    except ConnectionError:
        pass


async def first_to_end(*coroutines) -> None:
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def serve(backends: list[str], host: str, port: int) -> None:
    proxy = Proxy(backends)
    server = await asyncio.start_server(proxy.connection, host, port, backlog=1024, reuse_address=True)
    async with server:
        await server.serve_forever()


def run(backends: list[str], host: str, port: int) -> None:
    asyncio.run(serve(backends, host, port))
