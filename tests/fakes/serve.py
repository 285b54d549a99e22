"""Run one fake provider as a standalone process, for tests that drive a real Celery worker.

    python -m tests.fakes.serve --provider runway --port 8765 --delay 2

It prints the settings that point the provider's plugins at it, one `NAME=value` per line, then
`READY`, and serves until killed. Another process reads its counters at GET /_fake/stats
(`{"submissions": n, ...}`) and injects faults with POST /_fake/faults
(`{"fault": "server_error", "on": "submit", "times": 1}`).
"""

from __future__ import annotations

import argparse
import sys
import threading

from tests.fakes import FAKES, fake_class


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", required=True, choices=sorted(FAKES))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=2.0, help="seconds before a job is done")
    parser.add_argument("--steps", type=int, default=0, help="polls before a job is done")
    parser.add_argument("--key", default="fake-key", help="the API key the fake accepts")
    args = parser.parse_args(argv)
    fake = fake_class(args.provider)(delay=args.delay, steps=args.steps, key=args.key)
    fake.start(args.port)
    for name, value in fake.plugin_settings().items():
        print(f"{name}={value}")
    print("READY", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()
        sys.exit(0)


if __name__ == "__main__":
    main()
