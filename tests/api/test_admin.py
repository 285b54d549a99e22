"""Tokens are issued in the admin: shown once, stored as a hash, revocable."""

import re

import pytest

from api.models import ApiToken, hash_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_issue_a_token_that_is_shown_once_and_stored_hashed(admin_client):
    owner = UserFactory()

    response = admin_client.post(
        "/admin/api/apitoken/add/", {"user": owner.pk, "name": "nightly CI"}, follow=True
    )

    page = response.content.decode()
    raw = re.search(r"lsk_[A-Za-z0-9_-]{40,}", page).group(0)
    token = ApiToken.objects.get()
    assert token.user == owner
    assert token.key_hash == hash_token(raw)
    assert token.signing_secret in page
    listing = admin_client.get("/admin/api/apitoken/").content.decode()
    assert raw not in listing


def test_a_revoked_token_stops_working(admin_client, token, api_client):
    admin_client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token[0].pk]},
    )

    assert api_client.get("/api/v1/runs/1").status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/admin/api/callbackdelivery/", "/admin/api/runcallback/", "/admin/api/idempotencyrecord/"],
)
def test_the_api_admin_pages_render(admin_client, path):
    assert admin_client.get(path).status_code == 200
