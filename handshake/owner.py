"""The process that owns the warehouse file when several dashboard processes serve it.

DuckDB lets one process open a file for writing, and while it does, no other process may open it at all. So in
the served setup (`python -m handshake serve`) one process, the owner, holds the file; every dashboard process
reaches it through this module: its statements travel over HTTP on localhost, their rows come back as Arrow,
and DuckDB turns them into the same DataFrames and Python values a local cursor gives. A write transaction lives
in the owner on one cursor of its own, and the owner runs one write transaction at a time, so every write still
happens once, in one transaction: a dashboard process confirms it only after the owner has committed it.

    python -m handshake owner --warehouse PATH [--port 8600] [--listen 127.0.0.1]

Every request carries the token in HANDSHAKE_OWNER_TOKEN: whoever can reach the port and knows it can run SQL on
the warehouse."""

import base64
import http.client
import json
import os
import queue
import re
import secrets
import socket
import threading
import time
import uuid
import warnings
from datetime import date, datetime, time as clock, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa

TOKEN_HEADER = "X-Handshake-Token"
LEASE_S = 120  # a write transaction whose dashboard process went silent this long is rolled back
WAIT_FOR_WRITER_S = 60  # how long a write waits for the one before it
BEGINS = re.compile(r"^\s*(?:begin|start\s+transaction)\b", re.I)
ENDS = re.compile(r"^\s*(?:commit|rollback|abort|end)\b", re.I)


# ---- the wire: parameters as tagged JSON, rows as Arrow IPC

def encode(value):
    """A parameter value as JSON: dates, times, decimals and lists keep their type."""
    if isinstance(value, datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, clock):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$": "timedelta", "v": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, dict):
        return {"$": "dict", "v": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if hasattr(value, "item"):  # a numpy number
        return value.item()
    return value


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        kind, v = value["$"], value["v"]
        return {"datetime": datetime.fromisoformat, "date": date.fromisoformat, "time": clock.fromisoformat,
                "timedelta": lambda s: timedelta(seconds=s), "decimal": Decimal,
                "dict": lambda d: {k: decode(x) for k, x in d.items()}}[kind](v)
    return value


def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


# ---- the owner

class Held:
    """A cursor a dashboard process keeps across requests: a write transaction, or registered frames."""

    def __init__(self, cur):
        self.cur = cur
        self.used = time.monotonic()
        self.writing = False
        self.lock = threading.Lock()  # one request at a time on one cursor


class Owner:
    def __init__(self, con):
        self.con = con
        self.held: dict[str, Held] = {}
        self.guard = threading.Lock()
        self.writer = threading.Lock()  # one write transaction at a time, whichever process asks

    def answer(self, ask: dict) -> tuple[str, object]:
        op = ask["op"]
        if op == "open":
            cursor_id = uuid.uuid4().hex
            with self.guard:
                self.held[cursor_id] = Held(self.con.cursor())
            return "json", {"cursor": cursor_id}
        if op == "close":
            self.release(ask["cursor"])
            return "json", {"ok": True}
        if op == "table_names":
            cur = self.con.cursor()
            try:
                return "json", {"tables": sorted(cur.get_table_names(ask["sql"]))}
            finally:
                cur.close()
        held = self.held.get(ask.get("cursor")) if ask.get("cursor") else None
        if ask.get("cursor") and held is None:
            raise duckdb.TransactionException("this write took too long and was rolled back; nothing of it was kept")
        if op == "register":
            with held.lock:
                held.used = time.monotonic()
                held.cur.register(ask["name"], from_ipc(base64.b64decode(ask["frame"])))
            return "json", {"ok": True}
        if op == "unregister":
            with held.lock:
                held.cur.unregister(ask["name"])
            return "json", {"ok": True}
        if op == "execute":
            return self.execute(held, ask["sql"], decode(ask.get("params")), ask.get("many", False))
        raise ValueError(f"unknown operation {op!r}")

    def execute(self, held: Held | None, sql: str, params, many: bool):
        if held is None:
            cur = self.con.cursor()
            try:
                return self.run(cur, sql, params, many)
            finally:
                cur.close()
        with held.lock:
            held.used = time.monotonic()
            if BEGINS.match(sql) and not held.writing:
                if not self.writer.acquire(timeout=WAIT_FOR_WRITER_S):
                    raise duckdb.TransactionException("another write is still running: try again in a moment")
                held.writing = True
            try:
                return self.run(held.cur, sql, params, many)
            finally:
                if ENDS.match(sql) and held.writing:
                    held.writing = False
                    self.writer.release()

    @staticmethod
    def run(cur, sql, params, many):
        if many:
            cur.executemany(sql, params)
        elif params is None:
            cur.execute(sql)
        else:
            cur.execute(sql, params)
        if cur.description is None:
            return "json", {"ok": True}
        with warnings.catch_warnings():  # "an extra copy of the rows": the rows are copied into IPC at once anyway
            warnings.simplefilter("ignore")
            return "arrow", to_ipc(cur.to_arrow_table())

    def release(self, cursor_id: str) -> None:
        with self.guard:
            held = self.held.pop(cursor_id, None)
        if held is None:
            return
        with held.lock:
            if held.writing:
                try:
                    held.cur.execute("rollback")
                except duckdb.Error:
                    pass
                held.writing = False
                self.writer.release()
            held.cur.close()

    def reap(self) -> None:
        """Roll back what a dashboard process left open and stopped talking to: it died, or hangs."""
        while True:
            time.sleep(5)
            now = time.monotonic()
            for cursor_id, held in list(self.held.items()):
                if now - held.used > LEASE_S and not held.lock.locked():
                    self.release(cursor_id)


def handler_for(owner: Owner, token: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many statements
        wbufsize = -1  # the status line, headers and rows leave in one write (see setup)

        def setup(self):
            super().setup()
            # without this, the answer's last packet waits for the client's delayed acknowledgement: 40 ms a query
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), token):
                return self.reply(403, "json", {"error": "PermissionError", "message": "wrong token"})
            try:
                kind, payload = owner.answer(json.loads(body))
                self.reply(200, kind, payload)
            except duckdb.Error as e:
                self.reply(200, "json", {"error": type(e).__name__, "message": str(e)})
            except Exception as e:  # the dashboard process raises it as a warehouse error
                self.reply(200, "json", {"error": "Error", "message": f"{type(e).__name__}: {e}"})

        def reply(self, status, kind, payload):
            data = payload if kind == "arrow" else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.apache.arrow.stream" if kind == "arrow"
                             else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def do_GET(self):  # a health check for whoever starts it
            self.reply(200, "json", {"ok": True})

        def log_message(self, *args):
            pass

    return Handler


def start(path, host: str = "127.0.0.1", port: int = 8600, token: str | None = None):
    """The owner of the warehouse at `path`, listening (call serve_forever() on the server returned)."""
    from handshake import warehouse
    token = token or os.environ.get("HANDSHAKE_OWNER_TOKEN") or ""
    if not token:
        raise SystemExit("set HANDSHAKE_OWNER_TOKEN: every dashboard process must send it")
    owner = Owner(warehouse.open_warehouse(path, create=False))
    server = ThreadingHTTPServer((host, port), handler_for(owner, token))
    server.daemon_threads = True
    server.owner = owner
    threading.Thread(target=owner.reap, daemon=True).start()
    return server


def serve(path, host: str = "127.0.0.1", port: int = 8600, token: str | None = None) -> None:
    """Hold the warehouse at `path` and answer dashboard processes until stopped."""
    start(path, host, port, token).serve_forever()


# ---- a dashboard process's side: a connection that behaves like DuckDB's for what Handshake asks of it

class Remote:
    """The owner's warehouse, as a connection: cursor(), execute(), get_table_names()."""

    def __init__(self, url: str, token: str):
        parts = urlsplit(url)
        self.url, self.host, self.port, self.token = url, parts.hostname, parts.port or 80, token
        self.pool: queue.LifoQueue = queue.LifoQueue()
        self.local = duckdb.connect()  # turns the owner's Arrow rows into DuckDB's own DataFrames and values
        self.local_lock = threading.Lock()

    def ask(self, request: dict, retry: bool = False) -> tuple[str, object]:
        body = json.dumps(request).encode()
        for attempt in (1, 2):
            try:
                link = self.pool.get_nowait()
            except queue.Empty:
                link = http.client.HTTPConnection(self.host, self.port, timeout=600)
                link.connect()
                link.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                link.request("POST", "/", body, {TOKEN_HEADER: self.token, "Content-Type": "application/json"})
                response = link.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as e:
                link.close()
                # a read may be asked again (a kept-alive connection the owner had closed); a write never is, so
                # none can happen twice
                if retry and attempt == 1:
                    continue
                from handshake.warehouse import WarehouseError
                raise WarehouseError(f"the warehouse process at {self.url} did not answer ({type(e).__name__}: {e}); "
                                     "if you were saving something, reload the page to see whether it was kept") from None
            self.pool.put(link)
            if response.getheader("Content-Type") == "application/vnd.apache.arrow.stream":
                return "arrow", data
            answer = json.loads(data)
            if "error" in answer:
                kind = getattr(duckdb, answer["error"], None)
                if isinstance(kind, type) and issubclass(kind, duckdb.Error):
                    raise kind(answer["message"])
                from handshake.warehouse import WarehouseError
                raise WarehouseError(f"the warehouse process refused: {answer['message']}")
            return "json", answer
        raise AssertionError("unreachable")

    def cursor(self) -> "RemoteCursor":
        return RemoteCursor(self)

    def execute(self, sql, parameters=None) -> "RemoteCursor":
        return RemoteCursor(self).execute(sql, parameters)

    def executemany(self, sql, parameters) -> "RemoteCursor":
        return RemoteCursor(self).executemany(sql, parameters)

    def get_table_names(self, sql) -> set[str]:
        return set(self.ask({"op": "table_names", "sql": sql}, retry=True)[1]["tables"])

    def close(self) -> None:
        while not self.pool.empty():
            self.pool.get_nowait().close()

    def relation(self, table: pa.Table):
        with self.local_lock:
            return self.local.cursor().from_arrow(table)


class RemoteCursor:
    def __init__(self, remote: Remote):
        self.remote = remote
        self.id: str | None = None  # the owner's cursor, once this one holds a transaction or registered frames
        self.rows: pa.Table | None = None
        self.at = 0

    def held(self) -> str:
        if self.id is None:
            self.id = self.remote.ask({"op": "open"})[1]["cursor"]
        return self.id

    def execute(self, sql, parameters=None):
        return self._run(sql, parameters, False)

    def executemany(self, sql, parameters):
        return self._run(sql, parameters, True)

    def _run(self, sql, parameters, many):
        from handshake.warehouse import written_table
        if BEGINS.match(sql):
            self.held()
        request = {"op": "execute", "sql": sql, "params": encode(parameters), "many": many, "cursor": self.id}
        kind, data = self.remote.ask(request, retry=self.id is None and written_table(sql) is None)
        self.rows, self.at = (from_ipc(data) if kind == "arrow" else None), 0
        return self

    def _result(self):
        if self.rows is None:
            raise duckdb.InvalidInputException("No open result set")
        return self.remote.relation(self.rows)

    def df(self):
        return self._result().df()

    fetchdf = df
    fetch_df = df

    def to_arrow_table(self):
        return self.rows

    def _rows(self) -> list[tuple]:
        # Arrow's own Python values are DuckDB's for the types Handshake reads this way (numbers, text, dates,
        # timestamps, decimals, lists), without a trip through a DuckDB connection
        if self.rows is None:
            raise duckdb.InvalidInputException("No open result set")
        return list(zip(*(column.to_pylist() for column in self.rows.columns))) if self.rows.num_columns else []

    def fetchall(self):
        rows = self._rows()[self.at:]
        self.at += len(rows)
        return rows

    def fetchone(self):
        rows = self._rows()
        self.at += 1
        return rows[self.at - 1] if self.at <= len(rows) else None

    @property
    def description(self):
        return None if self.rows is None else [(name,) for name in self.rows.column_names]

    def register(self, name, frame):
        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        self.remote.ask({"op": "register", "cursor": self.held(), "name": name,
                         "frame": base64.b64encode(to_ipc(table)).decode()})
        return self

    def unregister(self, name):
        self.remote.ask({"op": "unregister", "cursor": self.held(), "name": name})
        return self

    def cursor(self) -> "RemoteCursor":
        return RemoteCursor(self.remote)

    def get_table_names(self, sql) -> set[str]:
        return self.remote.get_table_names(sql)

    def close(self) -> None:
        if self.id is not None:
            self.remote.ask({"op": "close", "cursor": self.id})
            self.id = None


_remotes: dict[str, Remote] = {}


def connect(url: str, token: str | None = None) -> Remote:
    """The owner at `url` as a connection, one per process."""
    if url not in _remotes:
        _remotes[url] = Remote(url, token if token is not None else os.environ.get("HANDSHAKE_OWNER_TOKEN", ""))
    return _remotes[url]
