"""Fixtures of the API tests: a user with a token, a client that sends it, models to run."""

import pytest
from django.test import Client

from api.models import ApiToken
from tests.factories import UserFactory, VideoModelFactory


@pytest.fixture
def api_user(db):
    return UserFactory()


@pytest.fixture
def token(api_user):
    """Return (ApiToken, raw token)."""
    return ApiToken.issue(user=api_user, name="tests")


@pytest.fixture
def api_client(token):
    return Client(headers={"Authorization": f"Bearer {token[1]}"})


@pytest.fixture
def video_models(db):
    """The demo plugins: text-to-video only, 5 or 8 s."""
    return [VideoModelFactory(slug=slug) for slug in ("local-smooth", "local-flicker")]


@pytest.fixture
def image_model(db):
    """Runway Gen-4.5: takes a reference image, 5 or 10 s, 16:9 or 9:16."""
    return VideoModelFactory(slug="runway-gen4-5", synthetic=False)


def submit(client, body, *, key=None, **headers):
    """POST a run the way a script would."""
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/runs", body, content_type="application/json", headers=headers)
