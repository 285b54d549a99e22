"""Hostile inputs on every public page, form and endpoint: odd strings, oversized bodies, wrong
content types. The answer is always a 4xx (or a page), never a 5xx, and a refused request stores
nothing."""

import json
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import ApiToken
from benchmarks.models import Generation
from benchmarks.providers.registry import PLUGINS
from comparisons.models import Comparison
from tests.factories import GenerationFactory, PromptFactory, UserFactory, VideoModelFactory

pytestmark = pytest.mark.django_db

EXAMPLES = 25
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Any text, NUL and control characters included (lone surrogates can't travel in a URL).
TEXT = st.text(st.characters(codec="utf-8"), max_size=300)
SAMPLES = ["\x00", "'; DROP TABLE benchmarks_prompt; --", "../../etc/passwd", "²", "٣", "-1",
           "9" * 40, "1e309", "NaN", "<script>alert(1)</script>", "%00", "{{7*7}}", " ", "",
           "a" * 5000, "\u202e", "0x10", "1.5", "-0", "null"]  # fmt: skip
NASTY = st.one_of(TEXT, st.sampled_from(SAMPLES))
PARAMS = ["sort", "category", "page", "vs", "pool", "mode", "aspect", "duration", "q", "model"]
PAGES = ["/", "/leaderboard/", "/models/", "/prompts/", "/methodology/", "/arena/",
         "/arena/pair.json", "/arena/leaderboard/", "/api/v1/models", "/api/openapi.json",
         "/api/v1/export/runs.csv", "/api/v1/export/votes.csv"]  # fmt: skip
SLUG_PAGES = ["/compare/{}/", "/models/{}/", "/prompts/{}/", "/arena/votes/{}/",
              "/api/v1/runs/{}", "/api/v1/generations/{}", "/webhooks/{}/"]  # fmt: skip
POST_TARGETS = ["/", "/compare/{slug}/", "/leaderboard/", "/models/local-smooth/",
                "/prompts/{prompt}/", "/methodology/", "/arena/", "/arena/vote/",
                "/api/v1/runs", "/api/v1/models", "/admin/login/", "/metrics", "/ops/"]  # fmt: skip
POST_TARGETS += [f"/webhooks/{key}/" for key in PLUGINS]
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                 "text/plain", "application/xml", "image/png", "",
                 "application/json; charset=latin-1"]  # fmt: skip
#: Rows a visit may legitimately create: a session (the arena starts one).
IGNORED_MODELS = {"sessions.session"}


def _row_counts() -> dict[str, int]:
    """Return the row count of every table, in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.label_lower not in IGNORED_MODELS and model._meta.managed
        }
    )
    quoted = ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


@pytest.fixture
def site():
    """A published comparison, its models and prompt, and an API token."""
    generation = GenerationFactory(state=Generation.State.COMPLETE)
    other = GenerationFactory(
        run=generation.run,
        video_model=VideoModelFactory(slug="local-flicker"),
        state=Generation.State.COMPLETE,
    )
    comparison = Comparison.objects.create(
        slug="kite", title="Kite", prompt=generation.run.prompt, run=generation.run, published=True
    )
    comparison.generations.set([generation, other])
    PromptFactory(slug="published-prompt")
    _, raw = ApiToken.issue(user=UserFactory(), name="hostile")
    return {"slug": comparison.slug, "prompt": "published-prompt", "token": raw}


def _assert_not_5xx(response, what):
    assert response.status_code < 500, f"{what} answered {response.status_code}"


@HYPOTHESIS
@given(
    page=st.sampled_from(PAGES),
    params=st.dictionaries(st.sampled_from(PARAMS) | TEXT, NASTY, max_size=4),
)
def test_public_pages_survive_any_query_string(site, page, params):
    response = Client().get(page, params)

    _assert_not_5xx(response, f"GET {page} {params!r}")


@pytest.mark.parametrize("value", SAMPLES)
def test_every_page_survives_each_known_nasty_value_in_every_parameter(site, value):
    # Hypothesis samples; this sweeps: each page once with every known parameter set to `value`.
    client = Client()
    for page in PAGES:
        response = client.get(page, dict.fromkeys(PARAMS, value))
        _assert_not_5xx(response, f"GET {page} with every parameter = {value!r}")
    for pattern in SLUG_PAGES:
        path = pattern.format(quote(value, safe="") or "x")
        _assert_not_5xx(client.get(path), f"GET {path}")


@HYPOTHESIS
@given(pattern=st.sampled_from(SLUG_PAGES), value=NASTY)
def test_public_pages_survive_any_path_segment(site, pattern, value):
    path = pattern.format(quote(value, safe=""))
    response = Client(headers={"Authorization": f"Bearer {site['token']}"}).get(path)

    _assert_not_5xx(response, f"GET {path}")


@HYPOTHESIS
@given(
    target=st.sampled_from(POST_TARGETS),
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.one_of(
        st.binary(max_size=2000),
        TEXT,
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
            lambda children: (
                st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4)
            ),
            max_leaves=12,
        ).map(json.dumps),
    ),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "webhook-id",
                "webhook-timestamp",
                "webhook-signature",
                "Idempotency-Key",
                "X-Runway-Signature",
                "Accept",
            ]
        ),  # fmt: skip
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
        max_size=3,
    ),
)
def test_hostile_posts_are_refused_and_store_nothing(site, target, content_type, body, headers):
    path = target.format(**site)
    client = Client(headers={"Authorization": f"Bearer {site['token']}", **headers})
    before = _row_counts()

    response = client.generic("POST", path, body, content_type=content_type)

    _assert_not_5xx(response, f"POST {path} ({content_type}) {body[:80]!r}")
    if response.status_code >= 400:
        assert _row_counts() == before, f"POST {path} was refused but stored rows"


@pytest.mark.parametrize("target", POST_TARGETS)
def test_oversized_bodies_are_refused(site, target, settings):
    settings.API_MAX_BODY_BYTES = 1024**2
    path = target.format(**site)
    before = _row_counts()

    response = Client(headers={"Authorization": f"Bearer {site['token']}"}).generic(
        "POST", path, b"{" + b'"a":' * (3 * 1024**2 // 4) + b"}", content_type="application/json"
    )

    _assert_not_5xx(response, f"POST {path} with 3 MB")
    if path == "/api/v1/runs":
        assert response.status_code == 413
    assert _row_counts() == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
def test_unexpected_methods_are_refused(site, method):
    for path in [p.format(**site) for p in POST_TARGETS] + PAGES:
        response = Client().generic(method, path)
        _assert_not_5xx(response, f"{method} {path}")


@HYPOTHESIS
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "prompt": NASTY,
            "prompt_slug": NASTY,
            "negative_prompt": NASTY,
            "category": NASTY,
            "models": st.lists(
                st.sampled_from(["local-smooth", "local-flicker"]) | NASTY, max_size=4
            ),
            "duration": st.integers(-(2**70), 2**70) | NASTY,
            "aspect_ratio": NASTY,
            "seed": st.integers(-(2**70), 2**70) | st.floats(allow_nan=True),
            "reference_image": NASTY.map(lambda s: "data:image/png;base64," + s),
            "callback_url": NASTY.map(lambda s: "http://" + s),
        },
    ),  # fmt: skip
    key=st.none() | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=200),
)
def test_the_run_api_answers_any_near_valid_body_in_words(site, fields, key):
    headers = {"Authorization": f"Bearer {site['token']}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    before = _row_counts()

    response = Client(headers=headers).post("/api/v1/runs", fields, content_type="application/json")

    _assert_not_5xx(response, f"POST /api/v1/runs {fields!r}")
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        assert response.json()["error"]["message"]
        assert _row_counts() == before
