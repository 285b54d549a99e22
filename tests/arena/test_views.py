"""Arena pages through the test client: blind page, CSRF + voter cookie + token, reveal,
leaderboard."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from arena import services
from arena.models import Pool, Vote
from arena.tasks import ratings_refresh
from benchmarks.models import QualityReport
from tests.arena.conftest import make_grid
from tests.factories import UserFactory, VoteFactory

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture
def browser_client():
    """A client that checks CSRF like a browser meets it."""
    return Client(enforce_csrf_checks=True)


def open_pair(client, url="/arena/"):
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    return html, TOKEN_RE.search(html).group(1), client.cookies["csrftoken"].value


def test_the_arena_page_shows_two_clips_with_names_hidden(grid, browser_client):
    models, _ = grid
    html, token, _ = open_pair(browser_client)
    assert 'aria-label="Left"' in html
    assert 'aria-label="Right"' in html
    assert 'data-clip-id="left"' in html
    assert 'data-clip-id="right"' in html
    for model in models:
        assert model.display_name not in html
        assert model.slug not in html
    assert not re.search(r'data-clip-id="g\d+"', html)
    for choice in services.CHOICES:
        assert f'name="choice" value="{choice}"' in html
    assert re.findall(r"<script(?![^>]*\b(src|type=\"application/json\")=?)", html) == []
    assert "lockstep_voter" in browser_client.cookies  # the page made a voter id


def test_a_vote_through_the_form_redirects_to_the_reveal_with_names(grid, browser_client):
    html, token, csrf = open_pair(browser_client)
    response = browser_client.post(
        reverse("arena:vote"), {"token": token, "choice": "left", "csrfmiddlewaretoken": csrf}
    )
    vote = Vote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("arena:reveal", kwargs={"pk": vote.pk})
    reveal = browser_client.get(response["Location"]).content.decode()
    left = vote.model_a if vote.a_on_left else vote.model_b
    right = vote.model_b if vote.a_on_left else vote.model_a
    assert reveal.index(left.display_name) < reveal.index(right.display_name)
    assert "You picked the left clip" in reveal
    assert "not rated yet" in reveal


def test_the_reveal_is_only_for_the_voters_session(grid, browser_client):
    _, token, csrf = open_pair(browser_client)
    browser_client.post(reverse("arena:vote"), {"token": token, "choice": "tie",
                                                "csrfmiddlewaretoken": csrf})  # fmt: skip
    url = reverse("arena:reveal", kwargs={"pk": Vote.objects.get().pk})
    assert Client().get(url).status_code == 404


def test_a_vote_without_the_csrf_token_is_refused(grid, browser_client):
    _, token, _ = open_pair(browser_client)
    response = browser_client.post(reverse("arena:vote"), {"token": token, "choice": "left"})
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_vote_without_a_session_is_refused(grid, browser_client):
    _, token, csrf = open_pair(browser_client)
    stranger = Client(enforce_csrf_checks=True)
    stranger.cookies["csrftoken"] = csrf
    response = stranger.post(
        reverse("arena:vote"), {"token": token, "choice": "left", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


@pytest.mark.services
def test_a_replayed_vote_gets_a_4xx_page_and_records_nothing(grid, browser_client):
    _, token, csrf = open_pair(browser_client)
    data = {"token": token, "choice": "left", "csrfmiddlewaretoken": csrf}
    assert browser_client.post(reverse("arena:vote"), data).status_code == 302
    replay = browser_client.post(reverse("arena:vote"), {**data, "choice": "right"})
    assert replay.status_code == 409
    assert "already used" in replay.content.decode()
    assert Vote.objects.count() == 1


def test_a_forged_token_gets_400_and_records_nothing(grid, browser_client):
    _, token, csrf = open_pair(browser_client)
    forged = token.replace(token.split(":")[0], "eyJhIjoxLCJiIjoyfQ")
    response = browser_client.post(
        reverse("arena:vote"), {"token": forged, "choice": "left", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_the_json_pair_and_vote_serve_script_clients(grid, browser_client):
    pair = browser_client.get(reverse("arena:pair"))
    data = pair.json()
    assert data["left"]["label"] == "Left"
    assert data["right"]["label"] == "Right"
    assert data["left"]["series"] == {}
    assert data["pool"] == Pool.T2V_AUDIO
    response = browser_client.post(
        reverse("arena:vote"),
        {"token": data["token"], "choice": "right"},
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=browser_client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["choice"] == "right"
    assert body["left"]["model"]
    assert body["right"]["model"]
    assert body["next"]["token"] != data["token"]
    assert body["next"]["left"]["label"] == "Left"
    again = browser_client.post(
        reverse("arena:vote"),
        {"token": data["token"], "choice": "right"},
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=browser_client.cookies["csrftoken"].value,
    )
    assert again.status_code == 409
    assert "error" in again.json()
    assert Vote.objects.count() == 1


def test_a_voter_who_voted_on_everything_is_thanked(db, browser_client):
    make_grid(models=2, prompts=1)
    _, token, csrf = open_pair(browser_client)
    browser_client.post(reverse("arena:vote"), {"token": token, "choice": "both_bad",
                                                "csrfmiddlewaretoken": csrf})  # fmt: skip
    page = browser_client.get("/arena/").content.decode()
    assert "No pair left to vote on" in page
    assert browser_client.get(reverse("arena:pair")).status_code == 404


def test_the_leaderboard_shows_ratings_intervals_votes_spread_and_the_cost_chart(
    db, client, django_assert_max_num_queries
):
    models, generations = make_grid(models=3, prompts=1, category="motion")
    QualityReport.objects.create(
        generation=generations[0], algorithm_version="1", mean_coherence=0.9123,
        min_coherence=0.8, std_coherence=0.01, frame_count=10,
    )  # fmt: skip
    for _ in range(30):
        VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[1],
                    category="motion")  # fmt: skip
    VoteFactory(generation_a__video_model=models[1], generation_b__video_model=models[2],
                category="camera")  # fmt: skip
    ratings_refresh()
    with django_assert_max_num_queries(8):
        html = client.get(reverse("arena:leaderboard"), {"pool": "t2v_audio"}).content.decode()
    assert "data-arena-ratings" in html
    assert "<td>0.912</td>" in html  # the rating next to the metrics
    assert "the left clip won 100 % of 31 decisive votes" in html  # factory votes: A, on the left
    assert "data-arena-chart" in html
    assert html.index(models[0].display_name) < html.index(models[1].display_name)
    assert "provisional" in html
    assert "Cost per clip (USD)" in html
    assert "<circle" in html
    assert "data-arena-categories" in html
    assert "Motion" in html
    assert "Camera" in html
    assert re.search(r"<td>\d–\d</td>", html)  # a rank spread
    assert 'style="' not in html
    motion = client.get(reverse("arena:leaderboard"), {"pool": "t2v_audio", "category": "motion"})
    assert models[2].display_name not in motion.content.decode().split("data-arena-ratings")[1]
    empty = client.get(reverse("arena:leaderboard"), {"pool": "i2v"}).content.decode()
    assert "No ratings in this pool" in empty


def test_the_rating_cell_include_renders_a_rating_or_says_none(grid):
    models, _ = grid
    for _ in range(3):
        VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[1])
    services.ratings_refresh(rounds=20, seed=1)
    rating = services.current_ratings(pool=Pool.T2V_AUDIO)[models[0].pk]
    cell = render_to_string("arena/_rating_cell.html", {"rating": rating})
    assert f"{rating.rating:.0f}" in cell
    assert "3 votes" in cell
    assert "provisional" in cell
    assert "not rated yet" in render_to_string("arena/_rating_cell.html", {"rating": None})


def test_the_disagreements_include_renders_rows(db):
    rows = [services.DisagreementRow(model=type("M", (), {"display_name": "Frozen Cam"})(),
                                     votes=9, win_rate=0.8, coherence=0.61, people_rank=1,
                                     metric_rank=3, gap=-1.0)]  # fmt: skip
    html = render_to_string("arena/_disagreements.html", {"disagreements": rows})
    assert "Frozen Cam" in html
    assert "voted up, scored low" in html
    assert "80 %" in html
    assert "not enough votes" in render_to_string(
        "arena/_disagreements.html", {"disagreements": []}
    )


def test_staff_void_a_voter_from_the_admin(grid, client):
    models, _ = grid
    cheat = services.voter_hash("cheat")
    votes = [VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[1],
                         voter_hash=cheat) for _ in range(3)]  # fmt: skip
    kept = VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[1])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:arena_vote_changelist"),
        {"action": "void_voters", "_selected_action": [votes[0].pk]},
    )
    assert response.status_code == 302
    assert Vote.objects.filter(voided=True).count() == 3
    kept.refresh_from_db()
    assert not kept.voided
    assert client.get(reverse("admin:arena_vote_changelist")).status_code == 200


def test_the_beat_schedule_refreshes_ratings(db):
    task = PeriodicTask.objects.get(name="Refresh arena ratings")
    assert task.task == "arena.tasks.ratings_refresh"
    assert task.enabled
    assert task.interval.every == 10


def test_a_clip_deleted_while_sampling_had_it_cached_is_not_shown(db, browser_client):
    from benchmarks.models import Generation

    _, generations = make_grid(models=3, prompts=1)
    open_pair(browser_client)  # fills the sampling cache with all three clips
    Generation.objects.filter(pk=generations[0].pk).delete()
    for _ in range(5):
        data = browser_client.get(reverse("arena:pair")).json()
        assert data["token"]


def test_the_arena_page_costs_the_same_few_queries_however_many_clips(
    db, client, django_assert_max_num_queries
):
    make_grid(models=6, prompts=6)
    client.get("/arena/")  # makes the voter id and fills the sampling cache
    # This voter's pairs, the two clips, their files, the interval-sampling reads: no session.
    with django_assert_max_num_queries(4):
        assert client.get("/arena/").status_code == 200
