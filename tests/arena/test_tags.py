"""Failure tags after voting: stored by the voter, counted from counted votes, shown with Wilson
intervals on the arena ratings page and the model page; and what the reveal and ratings show."""

import pytest
from django.test import Client
from django.urls import reverse

from arena import services
from arena.models import FailureTag, Pool, Vote
from tests.arena.conftest import make_grid
from tests.factories import VoteFactory


def test_wilson_intervals_match_the_textbook_values():
    low, high = services.wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert services.wilson(0, 0) is None
    assert services.wilson(0, 20)[0] == 0.0


def _voted(client) -> Vote:
    token = client.get(reverse("arena:pair")).json()["token"]
    client.post(reverse("arena:vote"), {"token": token, "choice": "left"})
    return Vote.objects.latest("pk")


def test_the_voter_tags_each_clip_after_voting_and_nobody_else_can(db):
    make_grid(models=2, prompts=1)
    voter = Client()
    vote = _voted(voter)
    page = voter.get(reverse("arena:reveal", args=[vote.pk])).content.decode()
    assert 'name="left" value="flicker"' in page

    url = reverse("arena:tag", args=[vote.pk])
    voter.post(url, {"left": ["flicker", "physics", "made-up"], "right": ["audio"]})
    voter.post(url, {"left": ["flicker"]})  # again: ignored
    left = vote.generation_a_id if vote.a_on_left else vote.generation_b_id
    assert set(FailureTag.objects.values_list("generation_id", "kind")) == {
        (left, "flicker"), (left, "physics"),
        (vote.generation_b_id if vote.a_on_left else vote.generation_a_id, "audio"),
    }  # fmt: skip
    assert Client().post(url, {"left": ["text"]}).status_code == 404
    assert FailureTag.objects.count() == 3


def test_tag_rates_count_only_counted_votes_and_show_their_intervals(db):
    models, _ = make_grid(models=2, prompts=1)
    for n in range(10):
        vote = VoteFactory(
            generation_a__video_model=models[0], generation_b__video_model=models[1],
            voided=n >= 8, reason="staff" if n >= 8 else "",
        )  # fmt: skip
        if n % 2 == 0:  # votes 0, 2, 4, 6 counted; 8 voided
            FailureTag.objects.create(
                vote=vote, generation=vote.generation_a, video_model=models[0], kind="flicker"
            )
    assert services.tag_rates(models=models) == {}  # counted with the ratings
    services.ratings_refresh(rounds=0)
    rates = services.tag_rates(models=models)
    flicker = next(r for r in rates[models[0].pk][""] if r.kind == "flicker")
    assert (flicker.tagged, flicker.shown) == (4, 8)
    assert flicker.interval == pytest.approx(services.wilson(4, 8))
    physics = next(r for r in rates[models[0].pk][""] if r.kind == "physics")
    assert physics.rate == 0.0

    board = Client().get(reverse("arena:leaderboard")).content.decode()
    assert "What voters saw go wrong" in board
    assert "4/8" in board
    model_page = Client().get(models[0].get_absolute_url()).content.decode()
    assert "4/8" in model_page


def test_a_tag_counts_from_the_next_refit_which_tagging_queues(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ARENA_REFRESH_DELAY = 60
    queued = []
    monkeypatch.setattr(
        "arena.tasks.ratings_refresh.apply_async", lambda **kw: queued.append(kw["countdown"])
    )
    models, _ = make_grid(models=2, prompts=1)
    voter = Client()
    vote = _voted(voter)
    services.ratings_refresh(rounds=0)
    services.cache.delete(services.REFRESH_KEY)  # the vote's refresh ran
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        voter.post(reverse("arena:tag", args=[vote.pk]), {"left": ["morphing"]})
    assert queued == [60]
    model = FailureTag.objects.get().video_model
    assert services.tag_rates(models=[model])[model.pk][""][1].tagged == 0  # not yet counted
    services.ratings_refresh(rounds=0)
    morphing = services.tag_rates(models=[model])[model.pk][""][1]
    assert (morphing.kind, morphing.tagged, morphing.shown) == ("morphing", 1, 1)


def test_the_model_page_reads_its_tag_rates_in_one_query_whatever_the_votes(
    db, django_assert_num_queries
):
    models, _ = make_grid(models=2, prompts=2)
    VoteFactory.create_batch(
        6, generation_a__video_model=models[0], generation_b__video_model=models[1]
    )
    services.ratings_refresh(rounds=0)
    with django_assert_num_queries(1):
        rows = services.model_tag_rows(models[0])
    assert rows[0][0] == "All prompts"
    assert {rate.shown for rate in rows[0][1]} == {6}


def test_the_reveal_says_when_the_ratings_will_include_the_vote(db, settings, monkeypatch):
    settings.ARENA_REFRESH_DELAY = 60
    monkeypatch.setattr("arena.tasks.ratings_refresh.apply_async", lambda **kw: None)
    make_grid(models=2, prompts=1)
    client = Client()
    vote = _voted(client)
    page = client.get(reverse("arena:reveal", args=[vote.pk])).content.decode()
    assert "Your vote will be in the ratings from about" in page
    services.ratings_refresh(rounds=0)
    page = client.get(reverse("arena:reveal", args=[vote.pk])).content.decode()
    assert "Your vote is in the current ratings." in page


def test_the_ratings_page_opens_on_a_pool_that_has_ratings(db):
    quiet, _ = make_grid(models=2, prompts=1, prefix="quiet", audio=False)
    loud, _ = make_grid(models=2, prompts=1, prefix="loud")
    VoteFactory(generation_a__video_model=loud[0], generation_b__video_model=loud[1])
    services.ratings_refresh(rounds=0)
    assert services.default_pool() == Pool.T2V_AUDIO
    page = Client().get(reverse("arena:leaderboard")).content.decode()
    assert loud[0].display_name in page


def test_a_model_rated_with_and_without_audio_shows_the_rating_with_more_votes(db):
    models, _ = make_grid(models=2, prompts=2)
    for _ in range(3):
        VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[1])
    VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[1],
                pool=Pool.T2V)  # fmt: skip
    services.ratings_refresh(rounds=0)
    merged = services.current_ratings_for_mode(mode="t2v")
    assert merged[models[0].pk].fit.pool == Pool.T2V_AUDIO
    assert merged[models[0].pk].votes == 3
    board = Client().get(reverse("comparisons:leaderboard")).content.decode()
    assert "col-arena" in board
