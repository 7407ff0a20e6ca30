"""The served setup: one command starts the owner of the warehouse, several dashboard processes and the proxy.

    python -m handshake serve [--warehouse PATH] [--workers N] [--port 8501]

One Python process keeps one core busy, so a company reading at once queues behind itself on one dashboard
process. Here N Streamlit processes draw pages side by side; the warehouse file is held by one more process,
the owner (handshake/owner.py), which every dashboard process reaches over localhost; the proxy
(handshake/proxy.py) keeps each browser on its process. A dashboard process that dies is started again; when the
owner dies, everything stops (its writes were committed or not at all) and the command exits with an error."""

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from handshake import demo, owner, proxy, warehouse

ROOT = Path(__file__).resolve().parent.parent


def free_port(taken=()) -> int:
    """A port nothing listens on now, and none of `taken`: a port chosen but not yet bound (the proxy's, binding
    after its workers start) is free to the system, and CI once gave a worker the proxy's port."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def dies_with_parent() -> None:
    """Run in a child before it starts: the kernel stops it when this command dies, even by SIGKILL."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_until_up(url: str, child: subprocess.Popen, what: str, seconds: float = 120,
                  log: Path | None = None) -> None:
    """Return once `url` answers 200; a RuntimeError saying why (with the end of `log`) when `child` stops first or
    nothing answers in time. The benchmark and the profile start their servers with it too."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the {what} stopped as it started (exit {child.returncode}){log_end(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the {what} did not start within {seconds:.0f} s{log_end(log)}")


def log_end(log: Path | None) -> str:
    return f":\n{log.read_text()[-3000:]}" if log is not None and log.exists() else ""


def ensure_warehouse(path: Path, named: bool) -> None:
    """Build the demo on a first start, as the single-process dashboard does; a named file must exist."""
    if path.exists():
        return
    if named:
        raise SystemExit(f"error: no warehouse at {path}. Create one with: python -m handshake demo --warehouse {path}")
    print("First run: building the demo organisation", flush=True)
    demo.generate(path, progress=lambda share, label: print(f"  {share:4.0%} {label}", flush=True))


class Served:
    def __init__(self, path: Path, workers: int, host: str, port: int, owner_url: str | None,
                 options: list[str] = ()):
        self.path, self.host, self.port, self.options = path, host, port, list(options)
        self.token = os.environ.get("HANDSHAKE_OWNER_TOKEN") or secrets.token_urlsafe(32)
        self.cookie_secret = secrets.token_urlsafe(32)  # one for all, so a sign-in holds on every process
        self.owner_url = owner_url
        self.owner: subprocess.Popen | None = None
        self.worker_ports = []
        for _ in range(workers):
            self.worker_ports.append(free_port([port, *self.worker_ports]))
        self.workers: list[subprocess.Popen | None] = [None] * workers
        self.stopping = False

    def env(self) -> dict:
        return dict(os.environ, HANDSHAKE_WAREHOUSE=str(self.path), HANDSHAKE_OWNER=self.owner_url,
                    HANDSHAKE_OWNER_TOKEN=self.token)

    def start_owner(self) -> None:
        port = free_port([self.port, *self.worker_ports])
        self.owner_url = f"http://127.0.0.1:{port}"
        self.owner = subprocess.Popen([sys.executable, "-m", "handshake", "owner", "--warehouse", str(self.path),
                                       "--port", str(port)], env=self.env(), preexec_fn=dies_with_parent)
        wait_until_up(self.owner_url, self.owner, "warehouse process")

    def start_worker(self, n: int) -> None:
        port = self.worker_ports[n]
        self.workers[n] = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             *self.options],
            env=dict(self.env(), STREAMLIT_SERVER_COOKIE_SECRET=self.cookie_secret), cwd=ROOT,
            preexec_fn=dies_with_parent)

    def start(self) -> None:
        if self.owner_url is None:
            self.start_owner()
        for n in range(len(self.workers)):
            self.start_worker(n)
        for n, port in enumerate(self.worker_ports):
            wait_until_up(f"http://127.0.0.1:{port}/_stcore/health", self.workers[n], f"dashboard process {n + 1}")
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self) -> None:
        while not self.stopping:
            time.sleep(1)
            if self.owner is not None and self.owner.poll() is not None and not self.stopping:
                print(f"error: the warehouse process stopped (exit {self.owner.returncode}); stopping", flush=True)
                self.stop()
                os._exit(1)
            for n, worker in enumerate(self.workers):
                if worker.poll() is not None and not self.stopping:
                    print(f"dashboard process {n + 1} stopped (exit {worker.returncode}); starting it again",
                          flush=True)
                    self.start_worker(n)

    def stop(self, *_) -> None:
        self.stopping = True
        children = [w for w in self.workers if w] + ([self.owner] if self.owner else [])
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


def run(path: Path, named: bool, workers: int, host: str, port: int, owner_url: str | None = None,
        options: list[str] = ()) -> int:
    if owner_url is None:
        ensure_warehouse(path, named)
    served = Served(path, workers, host, port, owner_url, options)
    signal.signal(signal.SIGTERM, lambda *_: (served.stop(), os._exit(0)))
    try:
        try:
            served.start()
        except RuntimeError as e:
            raise SystemExit(f"error: {e}") from None
        print(f"Handshake is served at http://{'localhost' if host == '127.0.0.1' else host}:{port} by {workers} "
              f"dashboard process{'es' if workers != 1 else ''}; the warehouse {path} is held by "
              f"{'the process at ' + served.owner_url if owner_url else 'process ' + str(served.owner.pid)}.",
              flush=True)
        proxy.run([f"127.0.0.1:{p}" for p in served.worker_ports], host, port)
    finally:
        served.stop()
    return 0


def run_owner(path: Path, host: str, port: int) -> int:
    """The owner alone (the served setup starts it; on several machines, start it on the one with the file)."""
    owner.serve(path, host, port)
    return 0
