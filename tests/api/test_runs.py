"""Submitting runs through the API, reading their status, and the JSON errors."""

import base64
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiToken, IdempotencyRecord, RunCallback
from benchmarks.models import BenchmarkRun, Generation, Prompt, VideoAsset
from benchmarks.providers.registry import plugin_class
from tests.api.conftest import submit
from tests.factories import (
    GenerationFactory,
    PriceFactory,
    PromptFactory,
    UserFactory,
    VideoModelFactory,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_run_given_as_text_starts_with_one_generation_per_model(api_client, video_models):
    response = submit(
        api_client,
        {"prompt": "A red kite over a hill", "models": ["local-smooth", "local-flicker"],
         "duration": 8, "aspect_ratio": "16:9"},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    run = BenchmarkRun.objects.get(pk=body["id"])
    assert run.trigger == BenchmarkRun.Trigger.API
    assert run.duration == 8
    assert run.prompt.published is False
    assert response["Location"] == f"/api/v1/runs/{run.pk}"
    assert [g["state"] for g in body["generations"]] == ["queued", "queued"]
    assert body["progress"] == 0


def test_a_run_of_a_published_prompt_keeps_the_prompt_row_unchanged(api_client, video_models):
    prompt = PromptFactory(duration=5)

    response = submit(
        api_client, {"prompt_slug": prompt.slug, "models": ["local-smooth"], "duration": 8}
    )

    assert response.status_code == 201
    assert BenchmarkRun.objects.get().duration == 8
    prompt.refresh_from_db()
    assert prompt.duration == 5


def test_the_same_idempotency_key_returns_the_same_run(api_client, video_models):
    body = {"prompt": "Waves at dusk", "models": ["local-smooth"]}

    first = submit(api_client, body, key="job-42")
    second = submit(api_client, body, key="job-42")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert BenchmarkRun.objects.count() == 1
    assert Prompt.objects.count() == 1


def test_a_different_body_under_the_same_key_is_a_conflict(api_client, video_models):
    submit(api_client, {"prompt": "Waves at dusk", "models": ["local-smooth"]}, key="job-42")

    response = submit(
        api_client, {"prompt": "Waves at dawn", "models": ["local-smooth"]}, key="job-42"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert BenchmarkRun.objects.count() == 1


def test_keys_belong_to_their_user(api_client, video_models):
    body = {"prompt": "Waves at dusk", "models": ["local-smooth"]}
    other = Client(
        headers={"Authorization": f"Bearer {ApiToken.issue(user=UserFactory(), name='x')[1]}"}
    )

    submit(api_client, body, key="shared")
    submit(other, body, key="shared")

    assert BenchmarkRun.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2


def _run(**fields):
    """A valid body, changed by `fields` (None removes a field)."""
    body = {"prompt": "ok", "models": ["local-smooth"], **fields}
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (_run(prompt=""), "prompt", "1 to 2000"),
        (_run(prompt="x" * 2001), "prompt", "not 2001"),
        (_run(models=["sora-9"]), "models", "Unknown models: sora-9"),
        (_run(models=[]), "models", "non-empty list"),
        (_run(duration=7), "models", "5 s, 8 s, not 7 s"),
        (_run(aspect_ratio="21:9"), "models", "aspect ratios"),
        (_run(duration="5"), "duration", "integer"),
        (_run(prompt_slug="x"), "prompt", "either"),
        (_run(prompt="a\x00b"), "prompt", "NUL"),
        (_run(colour="red"), "body", "Unknown fields"),
        (_run(callback_url="ftp://x.example/"), "callback_url", "http"),
        (_run(callback_url="http://127.0.0.1/hook"), "callback_url", "loopback"),
        (_run(callback_url="http://10.1.2.3/hook"), "callback_url", "private"),
        (_run(prompt=None, prompt_slug="nope"), "prompt_slug", "No published prompt"),
    ],
)
def test_invalid_runs_are_refused_in_words_and_nothing_is_stored(
    api_client, video_models, body, field, words
):
    response = submit(api_client, body, key="k1")

    assert response.status_code == 400
    error = response.json()["error"]
    assert words in error["fields"][field]
    assert not BenchmarkRun.objects.exists()
    assert not Prompt.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_retired_model_is_refused(api_client, video_models):
    video_models[0].lifecycle = "retired"
    video_models[0].save()

    response = submit(api_client, {"prompt": "ok", "models": ["local-smooth"]})

    assert response.status_code == 400
    assert "retired" in response.json()["error"]["fields"]["models"]


def test_a_reference_image_goes_only_to_models_that_take_one(api_client, video_models, image_model):
    image = "data:image/png;base64," + base64.b64encode(PNG).decode()

    refused = submit(
        api_client, {"prompt": "ok", "models": ["local-smooth"], "reference_image": image}
    )
    accepted = submit(
        api_client, {"prompt": "ok", "models": ["runway-gen4-5"], "reference_image": image}
    )

    assert refused.status_code == 400
    assert "reference image" in refused.json()["error"]["fields"]["models"]
    assert accepted.status_code == 201, accepted.json()
    prompt = BenchmarkRun.objects.get().prompt
    assert prompt.reference_image.read() == PNG


def test_an_oversized_image_is_refused_before_decoding(api_client, image_model, settings):
    settings.API_MAX_IMAGE_BYTES = 1024
    image = "data:image/png;base64," + base64.b64encode(PNG + b"\x00" * 2048).decode()

    response = submit(
        api_client, {"prompt": "ok", "models": ["runway-gen4-5"], "reference_image": image}
    )

    assert response.status_code == 400
    assert "larger than" in response.json()["error"]["fields"]["reference_image"]


def test_an_image_that_is_not_what_it_claims_is_refused(api_client, image_model):
    image = "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode()

    response = submit(
        api_client, {"prompt": "ok", "models": ["runway-gen4-5"], "reference_image": image}
    )

    assert response.status_code == 400
    assert "not a image/png" in response.json()["error"]["fields"]["reference_image"]


def test_a_body_over_the_limit_is_413(api_client, video_models, settings):
    settings.API_MAX_BODY_BYTES = 1000

    response = submit(api_client, {"prompt": "x" * 1500, "models": ["local-smooth"]})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_run_past_the_budget_is_refused_and_nothing_is_stored(api_client, video_models, settings):
    settings.MONTHLY_BUDGET_USD = "0.10"
    video_models[0].synthetic = False  # a demo clip never counts toward the budget
    video_models[0].save()
    PriceFactory(video_model=video_models[0], amount=Decimal("1.00"))

    response = submit(api_client, {"prompt": "ok", "models": ["local-smooth"]}, key="b")

    assert response.status_code == 400
    assert "monthly budget" in response.json()["error"]["fields"]["run"]
    assert not Prompt.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_callback_url_is_kept_with_the_token_secret(api_client, token, video_models, settings):
    settings.CALLBACK_ALLOW_PRIVATE = True

    response = submit(
        api_client,
        {"prompt": "ok", "models": ["local-smooth"], "callback_url": "http://127.0.0.1:9/hook"},
    )

    assert response.status_code == 201
    callback = RunCallback.objects.get()
    assert callback.url == "http://127.0.0.1:9/hook"
    assert callback.signing_secret == token[0].signing_secret


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, "Bearer"),
        ({"Authorization": "Bearer lsk_nope"}, "unknown"),
        ({"Authorization": "Basic x"}, "Bearer"),
    ],
)
def test_requests_without_a_valid_token_are_401(video_models, headers, words):
    response = Client(headers=headers).post(
        "/api/v1/runs",
        {"prompt": "ok", "models": ["local-smooth"]},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert words in response.json()["error"]["message"]
    assert not BenchmarkRun.objects.exists()


def test_a_revoked_token_is_refused(api_client, token, video_models):
    ApiToken.objects.filter(pk=token[0].pk).update(revoked_at=timezone.now())

    assert api_client.get("/api/v1/runs/1").status_code == 401


def test_only_the_hash_of_a_token_is_stored(token):
    stored, raw = token

    assert raw not in {stored.key_hash, stored.prefix}
    assert len(stored.key_hash) == 64


def test_a_wrong_content_type_is_415(api_client, video_models):
    response = api_client.post(
        "/api/v1/runs", "prompt=ok", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415


@pytest.mark.parametrize("path", ["/api/v2/nothing", "/api/v1/generations/%0A", "/api/%0A%0D"])
def test_unknown_routes_answer_json(api_client, path):
    missing = api_client.get(path)

    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"


def test_a_wrong_method_answers_json(api_client):
    wrong_method = api_client.delete("/api/v1/runs")

    assert wrong_method.status_code == 405
    assert wrong_method["Allow"] == "GET, HEAD, POST"
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_the_run_list_pages_through_your_runs_newest_first(api_client, api_user, monkeypatch):
    # The API had no list: GET /api/v1/runs answered 405, so a client could only follow the
    # runs whose ids it kept.
    monkeypatch.setattr("api.views.RUNS_PER_PAGE", 2)
    mine = [
        BenchmarkRun.objects.create(prompt=PromptFactory(), requested_by=api_user,
                                    idempotency_key=f"list-{i}")
        for i in range(3)
    ]  # fmt: skip
    BenchmarkRun.objects.create(
        prompt=PromptFactory(), requested_by=UserFactory(), idempotency_key="theirs"
    )
    first = api_client.get("/api/v1/runs")
    assert first.status_code == 200
    assert [run["id"] for run in first.json()["runs"]] == [mine[2].pk, mine[1].pk]
    last = api_client.get(first.json()["next"]).json()
    assert [run["id"] for run in last["runs"]] == [mine[0].pk]
    assert last["next"] is None
    for bad_before in ("x", ""):
        bad = api_client.get(f"/api/v1/runs?before={bad_before}")
        assert bad.status_code == 400
        assert "before" in bad.json()["error"]["fields"]
    unknown = api_client.get("/api/v1/runs?page=2")  # a typo is not a silent first page
    assert unknown.status_code == 400
    assert "page" in unknown.json()["error"]["fields"]


def test_the_status_of_a_run_reports_progress_timings_cost_and_clips(api_client, api_user):
    run = BenchmarkRun.objects.create(
        prompt=PromptFactory(), requested_by=api_user, idempotency_key="s1"
    )
    now = timezone.now()
    done = GenerationFactory(
        run=run, state=Generation.State.COMPLETE, estimated_cost=Decimal("0.25"),
        actual_cost=Decimal("0.30"), queued_at=now, submitting_at=now,
        submitted_at=now + timezone.timedelta(seconds=1),
        downloading_at=now + timezone.timedelta(seconds=61),
        transcoding_at=now + timezone.timedelta(seconds=63),
        scoring_at=now + timezone.timedelta(seconds=70),
        completed_at=now + timezone.timedelta(seconds=72),
    )  # fmt: skip
    VideoAsset.objects.create(
        generation=done, tier="standard", key="ab/cd.mp4", content_type="video/mp4", sha256="0" * 64
    )
    VideoAsset.objects.create(
        generation=done,
        tier="original",
        key="ab/orig.mp4",
        content_type="video/mp4",
        sha256="1" * 64,
    )
    from tests.factories import VideoModelFactory

    generating = GenerationFactory(
        run=run, video_model=VideoModelFactory(slug="local-flicker"),
        state=Generation.State.GENERATING, progress=0.5,
    )  # fmt: skip
    failed = GenerationFactory(
        run=run, video_model=VideoModelFactory(slug="local-frozen"), state=Generation.State.FAILED,
        error_kind="permanent", error_message="Content refused by the provider.",
    )  # fmt: skip

    body = api_client.get(f"/api/v1/runs/{run.pk}").json()

    clips = {g["id"]: g for g in body["generations"]}
    assert clips[done.pk]["state"] == "complete"
    assert clips[done.pk]["progress"] == 100
    assert clips[done.pk]["cost_usd"] == "0.3000"
    assert clips[done.pk]["timings"]["provider"] == 60.0
    assert clips[done.pk]["timings"]["total"] == 72.0
    assert clips[done.pk]["assets"] == {"standard": "http://testserver/media/ab/cd.mp4"}
    assert clips[generating.pk]["progress"] == 40
    assert clips[failed.pk]["error"] == {
        "kind": "permanent", "message": "Content refused by the provider."
    }  # fmt: skip
    single = api_client.get(f"/api/v1/generations/{failed.pk}").json()
    assert single["state"] == "failed"


def test_needs_review_reads_as_submitted_with_a_note(api_client, api_user):
    generation = GenerationFactory(run__requested_by=api_user, state=Generation.State.NEEDS_REVIEW)

    body = api_client.get(f"/api/v1/generations/{generation.pk}").json()

    assert body["state"] == "submitted"
    assert "staff review" in body["note"]


def test_other_users_runs_are_not_found(api_client):
    run = GenerationFactory(run__requested_by=UserFactory()).run

    assert api_client.get(f"/api/v1/runs/{run.pk}").status_code == 404
    assert api_client.get(f"/api/v1/runs/{2**70}").status_code == 404


def test_the_openapi_document_describes_the_endpoints(client):
    document = client.get("/api/openapi.json").json()

    assert document["openapi"].startswith("3.")
    assert {"/api/v1/runs", "/api/v1/runs/{run_id}", "/api/v1/generations/{generation_id}"} <= set(
        document["paths"]
    )


def test_a_run_status_costs_a_fixed_number_of_queries(
    api_client, api_user, django_assert_num_queries
):
    run = BenchmarkRun.objects.create(
        prompt=PromptFactory(), requested_by=api_user, idempotency_key="q"
    )
    from tests.factories import VideoModelFactory

    for slug in ("local-smooth", "local-flicker", "local-frozen"):
        GenerationFactory(run=run, video_model=VideoModelFactory(slug=slug))
    api_client.get(f"/api/v1/runs/{run.pk}")  # last_used_at is written on the first request

    # token, run with prompt, generations with models, their assets
    with django_assert_num_queries(4):
        api_client.get(f"/api/v1/runs/{run.pk}")


def test_a_model_without_720p_is_accepted_and_priced_at_the_resolution_it_offers(
    api_client, settings
):
    settings.MINIMAX_API_KEY = "key"
    model = VideoModelFactory(
        slug="minimax-hailuo-02",
        synthetic=False,
        capabilities=plugin_class("minimax-hailuo-02").capabilities.as_dict(),
    )
    PriceFactory(video_model=model, amount=Decimal("0.05"), resolution="768p")

    response = submit(
        api_client, {"prompt": "ok", "models": ["minimax-hailuo-02"], "duration": 6}, key="h"
    )

    assert response.status_code == 201, response.json()
    assert Generation.objects.get().estimated_cost == Decimal("0.30")
