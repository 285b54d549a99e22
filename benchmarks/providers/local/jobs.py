"""The local renderer's job store: one JSON file per job under WORK_DIR/local_jobs.

It plays the part of a provider's database, so the local plugin goes through the same
submit → poll → download cycle as a real API and survives a worker restart.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

JOB_PREFIX = "local-"


def jobs_dir() -> Path:
    """Return the directory holding the job files, creating it if needed."""
    path = Path(settings.WORK_DIR) / "local_jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_job_id() -> str:
    return JOB_PREFIX + uuid.uuid4().hex


def job_path(job_id: str) -> Path:
    """Return the file of `job_id`; refuse ids that could escape the directory."""
    if not job_id.startswith(JOB_PREFIX) or not job_id[len(JOB_PREFIX) :].isalnum():
        raise KeyError(job_id)
    return jobs_dir() / f"{job_id}.json"


def save_job(job: dict[str, Any]) -> None:
    """Write `job` atomically: readers see the old file or the new one, never half of one."""
    path = job_path(job["id"])
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(job, handle, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_job(job_id: str) -> dict[str, Any]:
    """Return the job `job_id`; KeyError if there is none."""
    try:
        return json.loads(job_path(job_id).read_text())
    except FileNotFoundError:
        raise KeyError(job_id) from None


def find_by_reference(reference: str) -> str | None:
    """Return the newest job id submitted with our `reference`, if any."""
    matches = []
    for path in jobs_dir().glob(f"{JOB_PREFIX}*.json"):
        try:
            job = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if job.get("reference") == reference:
            matches.append((job.get("created_at", 0), job["id"]))
    return max(matches)[1] if matches else None
