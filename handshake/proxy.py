"""The proxy in front of several dashboard processes: it keeps each browser on one of them.

A Streamlit session lives in the process that opened it (its WebSocket, its uploads, its downloads), so every
request of one browser must reach the same process. The proxy sends a browser it has not seen to the process
with the fewest open sessions and gives it a cookie naming that process; its later requests, and the WebSocket
its page opens, follow the cookie. Built on what Streamlit itself runs on (Starlette, uvicorn, websockets)
and httpx, so it installs with the rest from requirements.txt."""

import asyncio
import itertools
import sys

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

COOKIE = "handshake_process"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


class Proxy:
    def __init__(self, backends: list[str]):
        self.backends = backends  # "127.0.0.1:8601", ...
        self.sessions = [0] * len(backends)
        self.turn = itertools.count()
        # a dashboard process closes an idle connection after 5 s: the proxy lets go of it first
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(None),
                                        limits=httpx.Limits(max_connections=None, keepalive_expiry=2))

    def pick(self, cookies) -> tuple[int, bool]:
        """The process for a request, and whether the browser was new to the proxy."""
        named = cookies.get(COOKIE, "")
        if named.isdigit() and int(named) < len(self.backends):
            return int(named), False
        start = next(self.turn)  # ties go round, so an idle server spreads its first visitors too
        order = [(start + i) % len(self.backends) for i in range(len(self.backends))]
        return min(order, key=lambda i: self.sessions[i]), True

    async def http(self, request: Request):
        chosen, new = self.pick(request.cookies)
        url = httpx.URL(f"http://{self.backends[chosen]}{request.url.path}", query=request.url.query.encode())
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        headers.append(("host", request.headers.get("host", self.backends[chosen])))
        body = request.stream() if request.method in ("POST", "PUT", "PATCH") else None
        for attempt in (1, 2):
            try:
                upstream = await self.client.send(
                    self.client.build_request(request.method, url, headers=headers, content=body), stream=True)
                break
            except httpx.TransportError as e:
                # a kept-alive connection the dashboard process closed just as it was reused: a GET is asked again
                if attempt == 1 and body is None:
                    continue
                print(f"proxy: {request.method} {request.url.path} to process {chosen + 1} failed: "
                      f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
                return PlainTextResponse("This dashboard process is not answering; reload the page in a moment.",
                                         status_code=502)
        response = StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code,
                                     headers={k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP
                                              and k.lower() != "set-cookie"},
                                     background=BackgroundTask(upstream.aclose))
        for cookie in upstream.headers.get_list("set-cookie"):
            response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
        if new:
            response.set_cookie(COOKIE, str(chosen), httponly=True, samesite="lax")
        return response

    async def websocket(self, browser: WebSocket):
        chosen, _ = self.pick(browser.cookies)
        query = f"?{browser.url.query}" if browser.url.query else ""
        wanted = [p.strip() for p in browser.headers.get("sec-websocket-protocol", "").split(",") if p.strip()]
        passed = [(k, v) for k, v in browser.headers.items() if k.lower() in ("cookie", "origin", "user-agent")]
        try:
            upstream = await websockets.connect(f"ws://{self.backends[chosen]}{browser.url.path}{query}",
                                                subprotocols=wanted or None, additional_headers=passed,
                                                max_size=None, ping_interval=None, compression=None)
        except (OSError, websockets.WebSocketException):
            await browser.close(code=1013)
            return
        await browser.accept(subprotocol=upstream.subprotocol)
        self.sessions[chosen] += 1
        try:
            await first_to_end(self.down(upstream, browser), self.up(browser, upstream))
        finally:
            self.sessions[chosen] -= 1
            await upstream.close()
            try:
                await browser.close()
            except RuntimeError:  # already closed
                pass

    @staticmethod
    async def down(upstream, browser: WebSocket):
        try:
            async for message in upstream:
                if isinstance(message, bytes):
                    await browser.send_bytes(message)
                else:
                    await browser.send_text(message)
        except (websockets.WebSocketException, WebSocketDisconnect, RuntimeError, OSError):
            return  # either side went away: the session ends
        except Exception as e:  # uvicorn's ClientDisconnected: the browser went away mid-message
            if type(e).__name__ != "ClientDisconnected":
                raise

    @staticmethod
    async def up(browser: WebSocket, upstream):
        try:
            while True:
                message = await browser.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    await upstream.send(message["bytes"])
                elif message.get("text") is not None:
                    await upstream.send(message["text"])
        except (WebSocketDisconnect, websockets.WebSocketException, RuntimeError, OSError):
            return


async def first_to_end(*coroutines) -> None:
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def app(backends: list[str]) -> Starlette:
    proxy = Proxy(backends)
    return Starlette(routes=[WebSocketRoute("/{path:path}", proxy.websocket),
                             Route("/{path:path}", proxy.http, methods=METHODS)])


def run(backends: list[str], host: str, port: int) -> None:
    uvicorn.run(app(backends), host=host, port=port, log_level="warning", ws="websockets-sansio",
                ws_max_size=1 << 30, ws_ping_interval=None, lifespan="off")
