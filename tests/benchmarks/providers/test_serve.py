"""A fake runs as its own process for worker tests, and is driven through its control API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]


def read_settings(process) -> dict[str, str]:
    """Read the NAME=value lines a fake prints before READY."""
    settings = {}
    for line in iter(process.stdout.readline, ""):
        if line.strip() == "READY":
            break
        name, _, value = line.strip().partition("=")
        settings[name] = value
    return settings


def test_a_standalone_fake_prints_its_settings_and_counts_submissions():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.serve", "--provider", "replicate", "--delay", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        env = read_settings(process)
        base = env["REPLICATE_BASE_URL"]
        auth = {"Authorization": f"Bearer {env['REPLICATE_API_KEY']}"}
        body = {"input": {"prompt": "a cat", "duration": 5}}
        httpx.post(f"{base}/v1/models/wan-video/wan-2.5-t2v/predictions", json=body, headers=auth)
        httpx.post(f"{base}/_fake/faults", json={"fault": "server_error", "on": "submit"})
        failed = httpx.post(
            f"{base}/v1/models/wan-video/wan-2.5-t2v/predictions", json=body, headers=auth
        )
        assert failed.status_code == 500
        assert httpx.get(f"{base}/_fake/stats").json()["submissions"] == 1
    finally:
        process.kill()
        process.wait()
