"""Many people on one dashboard at once (handshake/load.py): reading sessions speak Streamlit's own WebSocket
protocol, writing sessions are Chromium tabs answering the questionnaire and adding and closing the meeting's
actions. Prints its figures as JSON.

    python tests/e2e/load.py URL --readers 50 --writers 10 [--kill-pid PID --kill-after N]

Readers read by page name, round the pages, until the writers are done. A write counts as confirmed only once
its success message is on the writer's screen. With --kill-pid, the server is killed with SIGKILL once N writes
are confirmed, and every writer stops where it was."""

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository's handshake
from handshake import load  # noqa: E402

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
    args = parser.parse_args()
    print(json.dumps(asyncio.run(load.load(
        args.url, args.readers, args.writers, rounds=args.rounds, min_seconds=args.min_seconds,
        artefacts=Path(os.environ.get("LOAD_ARTEFACTS", "/tmp")), kill_pid=args.kill_pid,
        kill_after=args.kill_after))))
