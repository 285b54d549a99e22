"""Does the runs export's memory stay flat as the published runs grow? Fill PostgreSQL as
`bench_scale` does (its sizes and rows) and stream each runs export once per size, printing its
time and the peak of Python allocations (tracemalloc) while it streams.

    BENCH_DATABASE=lockstep_export_scale .venv/bin/python -m tests.perf.bench_export_memory \
        --unit 0.01 --sizes 1,4

The exports only: `bench_scale` measures them too, among every page, and takes much longer.
The database (`BENCH_DATABASE`) is dropped and made anew.
"""

import argparse
import os

from tests.perf.bench_scale import export_run, fill, setup_django, sizes_of

URLS = ("/api/v1/export/runs.csv", "/api/v1/export/runs.json")


def measure() -> dict[str, tuple[float, float]]:
    from django.test import Client

    from api.models import ApiToken
    from tests.factories import UserFactory

    _, raw = ApiToken.issue(user=UserFactory(is_staff=True), name="bench")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    client.get("/", **auth)  # imports and warms what every later request reuses
    return {url: export_run(client, url, auth) for url in URLS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unit", type=float, default=0.01, help="1× as a share of a year")
    parser.add_argument("--sizes", default="1,4", help="multiples of 1× to measure")
    args = parser.parse_args()
    setup_django()
    for multiple in (float(m) for m in args.sizes.split(",")):
        counts = fill(sizes_of(multiple, args.unit))
        for url, (seconds, peak) in measure().items():
            line = (
                f"{multiple:g}× ({counts['generations']:,} clips) {url}: "
                f"{seconds:.1f} s, peak {peak:.1f} MB"
            )
            print(line, flush=True)
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")


if __name__ == "__main__":
    main()
