import pytest

from media_pipeline.serve import parse_range

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip_file(media_dirs):
    path = media_dirs / "media" / "standard" / "ab" / "clip.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    return "/media/standard/ab/clip.mp4"


def test_a_range_request_gets_206_and_exactly_those_bytes(client, clip_file):
    response = client.get(clip_file, HTTP_RANGE="bytes=0-99")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == bytes(range(100))
    assert response["Content-Range"] == "bytes 0-99/10240"
    assert response["Content-Length"] == "100"
    assert response["Accept-Ranges"] == "bytes"


def test_an_open_ended_range_runs_to_the_end(client, clip_file):
    response = client.get(clip_file, HTTP_RANGE="bytes=10200-")

    assert response.status_code == 206
    assert len(b"".join(response.streaming_content)) == 40
    assert response["Content-Range"] == "bytes 10200-10239/10240"


def test_a_suffix_range_gets_the_last_bytes(client, clip_file):
    response = client.get(clip_file, HTTP_RANGE="bytes=-16")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == (bytes(range(256)) * 40)[-16:]


def test_a_range_past_the_end_is_416(client, clip_file):
    response = client.get(clip_file, HTTP_RANGE="bytes=20000-20010")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */10240"


@pytest.mark.parametrize(
    "header",
    ["bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000,
     "bytes=" + "1" * 19 + "-" + "2" * 19],
)  # fmt: skip
def test_a_range_with_absurd_numbers_is_416_not_500(client, clip_file, header):
    response = client.get(clip_file, HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */10240"


def test_without_a_range_the_whole_file_comes_with_long_cache_headers(client, clip_file):
    response = client.get(clip_file)

    assert response.status_code == 200
    assert len(b"".join(response.streaming_content)) == 10240
    assert "immutable" in response["Cache-Control"]


def test_paths_outside_the_media_folder_are_not_served(client, clip_file):
    assert client.get("/media/../originals/x.mp4").status_code == 404
    assert client.get("/media/%2e%2e/%2e%2e/etc/passwd").status_code == 404


def test_originals_are_for_staff_only(client, media_dirs, django_user_model):
    path = media_dirs / "originals" / "original" / "x.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x" * 10)

    assert client.get("/originals/original/x.mp4").status_code == 302
    client.force_login(django_user_model.objects.create(username="s", is_staff=True))
    assert client.get("/originals/original/x.mp4", HTTP_RANGE="bytes=0-1").status_code == 206


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-0", (0, 0)),
        ("bytes=5-", (5, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=50-500", (50, 99)),
        ("bytes=100-", False),
        ("bytes=9-3", False),
        ("bytes=0-1,5-6", None),
        ("items=0-5", None),
    ],
)
def test_range_headers_are_parsed_strictly(header, expected):
    assert parse_range(header, 100) == expected
