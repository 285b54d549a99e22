"""Open data export: published runs clip by clip, as streamed CSV and JSON; anonymized votes."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from arena.models import Vote
from benchmarks.models import Generation, QualityReport
from comparisons.models import Comparison
from tests.factories import GenerationFactory, RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    """A published run of two clips with a quality report and a vote, and an unpublished one."""
    run = RunFactory(duration=8)
    now = timezone.now()
    clips = [
        GenerationFactory(
            run=run, video_model=VideoModelFactory(slug=slug), state=Generation.State.COMPLETE,
            estimated_cost=Decimal("0.40"), queued_at=now, submitting_at=now,
            submitted_at=now, downloading_at=now + timezone.timedelta(seconds=30),
            transcoding_at=now + timezone.timedelta(seconds=32),
            scoring_at=now + timezone.timedelta(seconds=35),
            completed_at=now + timezone.timedelta(seconds=36),
        )
        for slug in ("local-smooth", "local-flicker")
    ]  # fmt: skip
    QualityReport.objects.create(
        generation=clips[0], algorithm_version="1", mean_coherence=0.91, min_coherence=0.8,
        std_coherence=0.02, frame_count=40, flicker_score=0.1,
    )  # fmt: skip
    comparison = Comparison.objects.create(
        slug="kite", title="Kite", prompt=run.prompt, run=run, published=True, published_at=now
    )
    comparison.generations.set(clips)
    hidden = GenerationFactory(run=RunFactory(), state=Generation.State.COMPLETE)
    Comparison.objects.create(
        slug="hidden", title="Hidden", prompt=hidden.run.prompt, run=hidden.run
    )
    a, b = sorted(clips, key=lambda g: g.pk)
    Vote.objects.create(
        generation_a=a, generation_b=b, model_a=a.video_model, model_b=b.video_model,
        prompt=run.prompt, pool="t2v", category="scene", outcome="a", a_on_left=False,
        nonce="n1", voter_hash="secret-voter", ip_hash="secret-ip",
    )  # fmt: skip
    return run, clips


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_csv_export_has_one_row_per_published_clip(client, published):
    run, clips = published

    response = client.get("/api/v1/export/runs.csv")

    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert [int(r["generation_id"]) for r in rows] == [c.pk for c in clips]
    first = rows[0]
    assert first["run_id"] == str(run.pk)
    assert first["duration"] == "8"
    assert first["cost_usd"] == "0.4000"
    assert first["provider_s"] == "30.0"
    assert first["mean_coherence"] == "0.91"
    assert first["synthetic"] == "True"
    wins = {r["model"]: (r["votes_won"], r["votes_lost"]) for r in rows}
    assert sorted(wins.values()) == [("0", "1"), ("1", "0")]


def test_the_json_export_groups_clips_by_run(client, published):
    run, clips = published

    data = json.loads(_body(client.get("/api/v1/export/runs.json")))

    assert data["votes_included"] is True
    assert [r["run_id"] for r in data["runs"]] == [run.pk]
    assert data["runs"][0]["prompt"]["text"] == run.prompt.text
    assert len(data["runs"][0]["clips"]) == 2
    assert data["runs"][0]["clips"][0]["total_s"] == 36.0


def test_exported_votes_identify_no_voter(client, published):
    body = _body(client.get("/api/v1/export/votes.csv"))

    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 1
    assert rows[0]["outcome"] == "a"
    assert "secret" not in body
    assert rows[0]["date"] == timezone.now().date().isoformat()


def test_the_export_runs_a_fixed_number_of_queries(
    client, published, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        _body(client.get("/api/v1/export/runs.csv"))


def test_the_methodology_page_points_to_the_open_data(client):
    page = client.get("/methodology/").content.decode()

    for url in ("/api/v1/export/runs.csv", "/api/v1/export/runs.json", "/api/v1/export/votes.csv"):
        assert url in page


def test_the_csv_export_says_which_billing_policy_priced_each_clip(client, published):
    _, clips = published
    Generation.objects.filter(pk=clips[0].pk).update(billing_policy="failures_free")

    response = client.get("/api/v1/export/runs.csv")

    rows = list(csv.DictReader(io.StringIO(_body(response))))
    policies = {int(r["generation_id"]): r["billing_policy"] for r in rows}
    assert policies == {clips[0].pk: "failures_free", clips[1].pk: ""}
