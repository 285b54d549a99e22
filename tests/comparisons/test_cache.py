"""Anonymous page views come from the cache until staff publish or a run completes."""

import time

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse

from benchmarks.services.runs import run_refresh
from comparisons.cache import VERSION_KEY, VERSION_TTL, invalidate_public_pages, lookup, store
from comparisons.services import comparison_publish
from tests.comparisons.conftest import add_clip
from tests.factories import (
    ComparisonFactory,
    PriceFactory,
    RunFactory,
    UserFactory,
    VideoModelFactory,
)

pytestmark = pytest.mark.django_db


def test_a_second_anonymous_view_is_served_from_the_cache(
    client, catalog, django_assert_num_queries
):
    url = catalog["comparisons"][0].get_absolute_url()
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in second  # the middleware still adds its headers


def test_the_start_time_does_not_make_a_new_cache_entry(client, catalog, django_assert_num_queries):
    url = catalog["comparisons"][0].get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url + "?t=3.2")["X-Page-Cache"] == "hit"


def test_other_query_strings_are_cached_apart(client, catalog):
    url = reverse("comparisons:leaderboard")
    client.get(url)
    assert client.get(url + "?category=motion")["X-Page-Cache"] == "miss"


def test_publishing_and_invalidating_shows_the_new_comparison(client, catalog):
    home = reverse("comparisons:home")
    client.get(home)
    fresh = ComparisonFactory(title="Brand new comparison")
    # Created without the services (no signal, no commit in a test): stale until told.
    assert "Brand new comparison" not in client.get(home).content.decode()

    invalidate_public_pages()

    response = client.get(home)
    assert response["X-Page-Cache"] == "miss"
    assert fresh.get_absolute_url() in response.content.decode()


def test_invalidation_works_even_before_any_page_was_cached():
    first = invalidate_public_pages()
    assert invalidate_public_pages() == first + 1


def test_logged_in_visitors_are_never_served_or_stored_from_the_cache(client, catalog):
    url = reverse("comparisons:leaderboard")
    client.force_login(UserFactory(is_staff=True))
    assert not client.get(url).has_header("X-Page-Cache")
    client.logout()
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_error_pages_are_not_cached(client):
    url = "/compare/not-yet-published/"
    assert client.get(url).status_code == 404
    ComparisonFactory(slug="not-yet-published")
    assert client.get(url).status_code == 200


def test_a_cached_page_keeps_the_security_headers(client, catalog):
    url = reverse("comparisons:methodology")
    first = client.get(url)
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert second[header] == first[header]


def test_a_page_built_while_pages_were_invalidated_is_not_served_as_current(rf):
    request = rf.get("/leaderboard/")
    version, hit = lookup(request)
    assert hit is None
    invalidate_public_pages()  # staff publish while the page is being built
    store(request, HttpResponse("built from old data"), version)
    assert lookup(request)[1] is None


def test_pages_outside_the_public_views_are_not_cached(client):
    client.get("/admin/login/")
    assert not client.get("/admin/login/").has_header("X-Page-Cache")


def test_publishing_a_comparison_makes_cached_pages_stale(
    client, catalog, django_capture_on_commit_callbacks
):
    home = reverse("comparisons:home")
    client.get(home)
    run = RunFactory(state="complete")
    add_clip(run, catalog["models"][0])
    with django_capture_on_commit_callbacks(execute=True):
        comparison = comparison_publish(run=run)
    assert comparison.get_absolute_url() in client.get(home).content.decode()


def test_a_finished_run_makes_cached_pages_stale(
    client, catalog, django_capture_on_commit_callbacks
):
    board = reverse("comparisons:leaderboard")
    client.get(board)
    # A run already published (a staff retry finishing later) changes the public numbers.
    run = RunFactory(state="running")
    ComparisonFactory(prompt=run.prompt, run=run)
    add_clip(run, VideoModelFactory(slug="newcomer", display_name="Newcomer", synthetic=False))
    with django_capture_on_commit_callbacks(execute=True):
        run_refresh(run.pk)
    assert "Newcomer" in client.get(board).content.decode()


def test_staff_editing_a_price_makes_cached_pages_stale(
    client, catalog, django_capture_on_commit_callbacks
):
    model = catalog["models"][0]
    client.get(model.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        PriceFactory(video_model=model, amount="0.07")
    assert "$0.070 per second of video" in client.get(model.get_absolute_url()).content.decode()


def test_another_process_invalidation_reaches_this_one_within_the_version_ttl(
    client, catalog, monkeypatch
):
    url = reverse("comparisons:leaderboard")
    client.get(url)
    cache.incr(VERSION_KEY)  # what invalidate_public_pages() does in another process
    assert client.get(url)["X-Page-Cache"] == "hit"  # this process still trusts its version
    later = time.monotonic() + VERSION_TTL + 0.1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert client.get(url)["X-Page-Cache"] == "miss"
