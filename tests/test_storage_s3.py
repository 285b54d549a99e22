"""Content-addressed storage through the real django-storages S3 backend, moto on loopback."""

import pytest
from django.core.files.storage import storages

from media_pipeline.storage import content_key, store_file
from tests.s3 import CDN_DOMAIN, PRIVATE_BUCKET, PUBLIC_BUCKET, LoopbackS3


@pytest.fixture(scope="module")
def s3():
    server = LoopbackS3().start()
    yield server
    server.stop()


@pytest.fixture
def s3_storages(s3, settings):
    settings.STORAGES = s3.storages(settings.STORAGES)
    return s3


def _file(tmp_path, name, size):
    path = tmp_path / name
    path.write_bytes(b"\x00\x01lockstep" * (size // 10) + b"x" * (size % 10))
    return path


def test_a_public_tier_lands_under_its_content_key_with_immutable_cache_headers(
    s3_storages, tmp_path
):
    path = _file(tmp_path, "clip.mp4", 50_000)

    key, sha256 = store_file(path, tier="standard")

    assert key == content_key(sha256, "standard", ".mp4")
    head = s3_storages.client().head_object(Bucket=PUBLIC_BUCKET, Key=key)
    assert head["ContentLength"] == 50_000
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert storages["default"].url(key) == f"https://{CDN_DOMAIN}/{key}"


def test_an_original_is_private_in_cold_storage_with_signed_urls(s3_storages, tmp_path):
    key, _ = store_file(_file(tmp_path, "orig.mp4", 20_000), tier="original")

    head = s3_storages.client().head_object(Bucket=PRIVATE_BUCKET, Key=f"originals/{key}")
    assert head["StorageClass"] == "STANDARD_IA"
    url = storages["originals"].url(key)
    assert "Signature=" in url or "X-Amz-Signature=" in url
    assert CDN_DOMAIN not in url


def test_storing_the_same_bytes_twice_keeps_one_object(s3_storages, tmp_path):
    path = _file(tmp_path, "clip.mp4", 10_000)
    first = store_file(path, tier="preview")
    second = store_file(path, tier="preview")

    assert first == second
    listed = s3_storages.client().list_objects_v2(Bucket=PUBLIC_BUCKET, Prefix="preview/")
    assert [o["Key"] for o in listed["Contents"]].count(first[0]) == 1


def test_a_large_file_goes_up_in_multipart_parts(s3_storages, tmp_path):
    path = _file(tmp_path, "big.mp4", 20 * 1024**2)

    key, _ = store_file(path, tier="standard")

    head = s3_storages.client().head_object(Bucket=PUBLIC_BUCKET, Key=key)
    assert head["ContentLength"] == 20 * 1024**2
    assert "-" in head["ETag"]  # multipart ETags end in -<number of parts>
