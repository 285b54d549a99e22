"""/healthz: 200 when the database, cache, broker and media storage answer; 503 naming the one
that does not, with nothing secret in the body."""

import pytest
from django.db import OperationalError

from api import health
from tests.s3 import LoopbackS3

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3():
    server = LoopbackS3().start()
    yield server
    server.stop()


def test_everything_up_answers_200_with_each_check_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "failing": [],
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "media_storage": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


def test_a_broker_that_does_not_answer_gives_503_naming_it_without_its_url(client, settings):
    settings.CELERY_BROKER_URL = "redis://:hunter2@127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert b"hunter2" not in response.content
    assert b"127.0.0.1:1" not in response.content


def test_a_database_that_does_not_answer_gives_503_naming_it(client, monkeypatch):
    def refuse():
        raise OperationalError("connection to server at db:5432 failed: password=secret")

    monkeypatch.setitem(health.CHECKS, "database", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert b"secret" not in response.content


def test_a_media_folder_that_cannot_be_created_gives_503_naming_media_storage(
    client, settings, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker / "media"},
        },
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["media_storage"]


def test_an_s3_bucket_that_exists_is_ok_and_a_missing_one_is_failing(client, s3, settings):
    settings.STORAGES = s3.storages(settings.STORAGES)
    assert client.get("/healthz").status_code == 200

    missing = s3.storages(settings.STORAGES)
    missing["default"]["OPTIONS"]["bucket_name"] = "no-such-bucket"
    settings.STORAGES = missing

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["media_storage"]


def test_the_probe_skips_the_https_redirect_and_the_host_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["lockstep.example"]

    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")

    assert response.status_code == 200
