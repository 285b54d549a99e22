"""``score_video`` and ``transcode_video``: JSON for scripts, one line on stderr for bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str) -> subprocess.CompletedProcess:
    """Run manage.py in a child process, as staff would."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test"),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_score_video_json_has_the_seed_keys(clip, capsys):
    call_command("score_video", str(clip("smooth")), "--json", "--sample-rate", "4")
    scores = json.loads(capsys.readouterr().out)
    assert {"mean_coherence", "min_coherence", "std_coherence", "frame_count"} <= set(scores)
    assert scores["frame_count"] == 7  # 48 frames, every 6th sampled: 8 frames, 7 pairs
    assert "series" in scores


def test_score_video_prints_a_readable_summary(clip, capsys):
    call_command("score_video", str(clip("flicker")))
    out = capsys.readouterr().out
    assert "mean_coherence" in out
    assert "flicker_spikes    0.12s" in out


def test_transcode_video_writes_tiers_and_a_manifest(clip, tmp_path, capsys):
    call_command("transcode_video", str(clip("smooth")), "--out", str(tmp_path / "tiers"))
    manifest = json.loads(capsys.readouterr().out)
    assert [entry["tier"] for entry in manifest] == ["standard", "preview", "poster"]
    for entry in manifest:
        assert Path(entry["path"]).stat().st_size == entry["bytes"]
        assert {"width", "height", "duration"} <= set(entry)


def test_bad_input_raises_a_command_error(bad_file, tmp_path):
    with pytest.raises(CommandError, match="not a video file"):
        call_command("score_video", str(bad_file("text_file")))
    with pytest.raises(CommandError, match="truncated"):
        call_command(
            "transcode_video",
            str(bad_file("truncated", fraction=0.5)),
            "--out",
            str(tmp_path / "tiers"),
        )


@pytest.mark.parametrize("command", [["score_video"], ["transcode_video", "--out", "unused"]])
def test_bad_input_exits_non_zero_with_one_line_and_no_traceback(bad_file, command):
    proc = run_manage(command[0], str(bad_file("garbage")), *command[1:])
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "not a video file" in lines[0]
    assert "Traceback" not in proc.stderr
