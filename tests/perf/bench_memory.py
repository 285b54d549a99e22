"""Peak memory of a worker streaming a large clip: provider download, then S3 upload.

Usage: .venv/bin/python tests/perf/bench_memory.py [--mb 300]

The provider is a plain HTTP server in another process; S3 is moto in server mode in another
process, reached through the real django-storages backend. Only this process's peak RSS counts.
The target: peak RSS grows by less than 64 MB for a 300 MB file.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_file(path: Path, megabytes: int) -> None:
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as fh:
        for _ in range(megabytes):
            fh.write(block)


def start(cmd: list[str], port: int, cwd: Path | None = None) -> subprocess.Popen:
    import socket

    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    raise RuntimeError(f"{cmd[0]} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    from benchmarks.providers.base import stream_download
    from media_pipeline.storage import store_file
    from tests.s3 import PRIVATE_BUCKET, PUBLIC_BUCKET, LoopbackS3, free_port

    work = Path(tempfile.mkdtemp(prefix="lockstep-mem-"))
    served = work / "served"
    served.mkdir()
    s3 = LoopbackS3()
    s3_proc = start(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3.port)], s3.port
    )
    http_port = free_port()
    http_proc = start(
        [sys.executable, "-m", "http.server", str(http_port), "--bind", "127.0.0.1"],
        http_port,
        cwd=served,
    )
    try:
        for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
            s3.client().create_bucket(Bucket=bucket)
        settings.STORAGES = s3.storages(settings.STORAGES)

        def cycle(megabytes: int) -> float:
            """Download a file of `megabytes` from the provider and store it; return peak growth."""
            name = f"clip-{megabytes}.mp4"
            make_file(served / name, megabytes)
            before = peak_mb()
            dest = work / f"down-{name}"
            with open(dest, "wb") as fh:
                stream_download(f"http://127.0.0.1:{http_port}/{name}", fh)
            after_download = peak_mb()
            store_file(dest, tier="original")
            growth = peak_mb() - before
            upload = peak_mb() - after_download
            print(
                f"  {megabytes} MB: download +{after_download - before:.1f} MB, "
                f"upload +{upload:.1f} MB"
            )
            dest.unlink()
            (served / name).unlink()
            return growth

        cycle(16)  # warm up: imports, boto3 clients, thread pools
        small = cycle(max(args.mb // 10, 1))
        large = cycle(args.mb)
        print(f"peak RSS growth, {max(args.mb // 10, 1)} MB file: {small:.1f} MB")
        print(f"peak RSS growth, {args.mb} MB file: {large:.1f} MB (target < 64 MB)")
        print("PASS" if large < 64 else "FAIL")
    finally:
        s3_proc.terminate()
        http_proc.terminate()


if __name__ == "__main__":
    main()
