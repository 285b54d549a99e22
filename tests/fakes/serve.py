"""Run one fake provider as a standalone process, for tests that drive a real Celery worker.

    python -m tests.fakes.serve --provider runway --port 8765 --delay 2

It prints the settings that point the provider's plugins at it, one `NAME=value` per line, then
`READY`, and serves until killed. Another process reads its counters at GET /_fake/stats
(`{"submissions": n, ...}`) and injects faults with POST /_fake/faults
(`{"fault": "server_error", "on": "submit", "times": 1}`). With `--callbacks` it also calls back
the URL each job was submitted with (signed with tests.fakes.webhooks.TEST_SECRET where the
provider signs), and `/_fake/stats` lists those deliveries.
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
    parser.add_argument(
        "--callbacks", action="store_true", help="POST the provider's callback when a job ends"
    )
    parser.add_argument(
        "--webhook-url", default="", help="where project-level webhooks go (OpenAI, Gemini)"
    )
    args = parser.parse_args(argv)
    fake = fake_class(args.provider)(
        delay=args.delay,
        steps=args.steps,
        key=args.key,
        callbacks=args.callbacks,
        webhook_url=args.webhook_url,
    )
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
