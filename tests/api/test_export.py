"""Open data export: published runs clip by clip, as streamed CSV and JSON; anonymized votes."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from api import export
from arena.models import Vote
from benchmarks.models import Generation, QualityReport, VideoAsset, VideoModel
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


def test_a_formula_in_a_prompt_is_not_a_live_formula_in_the_csv(client, published):
    run, _ = published
    run.prompt.text = '=HYPERLINK("http://evil.example/","click")'
    run.prompt.title = "+1"
    run.prompt.save()

    rows = list(csv.DictReader(io.StringIO(_body(client.get("/api/v1/export/runs.csv")))))

    assert rows[0]["prompt_text"] == "'" + run.prompt.text
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert export.csv_cell(f"{start}x") == f"'{start}x"
    assert export.csv_cell(-0.25) == -0.25  # a number is data


def test_each_row_has_the_resolution_and_request_actually_sent(client, published):
    run, clips = published
    VideoModel.objects.filter(pk=clips[0].video_model_id).update(
        capabilities={"resolutions": ["768p", "1080p"], "durations": [8]}
    )
    Generation.objects.filter(pk=clips[0].pk).update(
        request_sent={"model": "hailuo", "resolution": "768P", "duration": 8}
    )

    rows = list(csv.DictReader(io.StringIO(_body(client.get("/api/v1/export/runs.csv")))))

    first = rows[0]
    assert run.resolution == "720p"
    assert first["resolution"] == "768p"  # the model's nearest offered one, as sent
    assert json.loads(first["request_sent"])["resolution"] == "768P"
    assert first["image_to_video"] == "False"
    assert first["schema_version"] == str(export.SCHEMA_VERSION)


def test_costs_say_billed_or_estimated_and_unknown_is_an_empty_cell(client, published):
    _, clips = published
    Generation.objects.filter(pk=clips[0].pk).update(actual_cost=Decimal("0.35"))
    Generation.objects.filter(pk=clips[1].pk).update(estimated_cost=None)

    rows = list(csv.DictReader(io.StringIO(_body(client.get("/api/v1/export/runs.csv")))))

    billed, unknown = rows
    assert (billed["cost_usd"], billed["cost_basis"]) == ("0.3500", "billed")
    assert (billed["billed_cost_usd"], billed["estimated_cost_usd"]) == ("0.3500", "0.4000")
    assert (unknown["cost_usd"], unknown["cost_basis"], unknown["estimated_cost_usd"]) == (
        "",
        "",
        "",
    )


def test_failed_attempts_and_failed_generations_are_exported_with_their_costs(client, published):
    run, clips = published
    retried = clips[0]
    Generation.objects.filter(pk=retried.pk).update(attempts=2, prior_attempts_cost=Decimal("0.40"))
    retried.events.create(
        from_state="generating", to_state="queued", reason="The provider failed the job",
        details={"attempt": 1, "spent": "0.4000", "error_message": "server error"},
    )  # fmt: skip
    lost = GenerationFactory(
        run=run, video_model=VideoModelFactory(slug="local-jerky"), state="failed",
        estimated_cost=Decimal("0.40"), provider_job_id="job-lost",
    )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(_body(client.get("/api/v1/export/runs.csv")))))
    by_id = {int(r["generation_id"]): r for r in rows}
    assert by_id[retried.pk]["failed_attempts"] == "1"
    assert by_id[retried.pk]["failed_attempts_cost_usd"] == "0.4000"
    assert by_id[lost.pk]["state"] == "failed"
    assert by_id[lost.pk]["cost_usd"] == "0.4000"

    data = json.loads(_body(client.get("/api/v1/export/runs.json")))
    clip = next(c for c in data["runs"][0]["clips"] if c["generation_id"] == retried.pk)
    assert clip["failed_attempt_list"][0]["cost_usd"] == "0.4000"
    assert data["schema_version"] == export.SCHEMA_VERSION


def test_each_row_says_whether_the_clip_has_an_audio_track_empty_when_not_probed(client, published):
    _, clips = published
    for clip, audio in zip(clips, (True, None), strict=True):
        VideoAsset.objects.create(
            generation=clip, tier=VideoAsset.Tier.STANDARD, key=f"{clip.pk}.mp4",
            content_type="video/mp4", sha256=f"{clip.pk:064x}", has_audio=audio,
        )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(_body(client.get("/api/v1/export/runs.csv")))))

    assert {int(r["generation_id"]): r["has_audio"] for r in rows} == {
        clips[0].pk: "True",
        clips[1].pk: "",
    }


def test_each_chunk_reads_only_its_own_clips_votes(client, published, monkeypatch):
    from api import export

    run, clips = published
    other_run = RunFactory()
    later = GenerationFactory(run=other_run, state=Generation.State.COMPLETE)
    Comparison.objects.create(
        slug="later", title="Later", prompt=other_run.prompt, run=other_run, published=True,
        published_at=timezone.now() + timezone.timedelta(minutes=1),
    ).generations.set([later])  # fmt: skip
    asked = []
    tallies = export.vote_tallies
    monkeypatch.setattr(export, "CHUNK", 1)
    monkeypatch.setattr(export, "vote_tallies", lambda ids: asked.append(ids) or tallies(ids))

    rows = list(csv.DictReader(io.StringIO(_body(client.get("/api/v1/export/runs.csv")))))

    assert asked == [[c.pk for c in clips], [later.pk]]
    votes = {int(r["generation_id"]): (r["votes_won"], r["votes_lost"]) for r in rows}
    assert sorted(votes.values()) == [("0", "0"), ("0", "1"), ("1", "0")]
