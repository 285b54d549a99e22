"""The votes export holds every vote the ratings count, and refits to the site's ratings."""

import csv
import io
import random

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from arena import services
from arena.management.commands.refit_from_export import differences, refit_from_rows, site_ratings
from arena.models import Pool, Vote
from comparisons.models import Comparison
from tests.arena.conftest import make_grid
from tests.factories import VoteFactory


def _export() -> str:
    response = Client().get("/api/v1/export/votes.csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def _cast_votes(generations, *, n: int, seed: int, pool: str = Pool.T2V_AUDIO) -> None:
    """Cast `n` votes between random clip pairs of one prompt, a few of them not counted."""
    rng = random.Random(seed)
    by_prompt: dict[int, list] = {}
    for generation in generations:
        by_prompt.setdefault(generation.run.prompt_id, []).append(generation)
    for i in range(n):
        clips = rng.choice(list(by_prompt.values()))
        a, b = sorted(rng.sample(clips, 2), key=lambda g: g.pk)
        reason = rng.choice(["", "", "", "", Vote.Reason.TOO_FAST, Vote.Reason.STAFF])
        VoteFactory(
            generation_a=a, generation_b=b, model_a=a.video_model, model_b=b.video_model,
            prompt=a.run.prompt, category=a.run.prompt.category,
            outcome=rng.choice(["a", "a", "b", "tie", "both_bad"]), voter_hash=f"v{i}",
            voided=bool(reason), reason=reason, pool=pool,
        )  # fmt: skip


def test_the_export_holds_every_vote_the_ratings_count_and_refits_them_to_1e_9(db, tmp_path):
    models, generations = make_grid(models=5, prompts=3, category="motion")
    _, more = make_grid(models=3, prompts=2, prefix="quiet", audio=False, category="camera")
    _cast_votes(generations, n=300, seed=1)
    _cast_votes(more, n=80, seed=2, pool=Pool.T2V)
    services.ratings_refresh(rounds=20, seed=3)

    body = _export()
    rows = list(csv.DictReader(io.StringIO(body)))
    counted = [r for r in rows if r["counted"] == "True"]
    assert len(rows) == Vote.objects.count() == 380
    assert len(counted) == Vote.objects.in_ratings().count()
    fits = {f.category: f.vote_count for f in services.RatingFit.objects.current()
            if f.pool == "t2v_audio"}  # fmt: skip
    assert fits[""] == sum(1 for r in counted if r["pool"] == "t2v_audio")
    assert {r["reason"] for r in rows if r["counted"] == "False"} == {"too_fast", "staff"}

    mine, theirs = refit_from_rows(rows), site_ratings()
    assert set(mine) == set(theirs) == {
        ("t2v_audio", ""), ("t2v_audio", "motion"), ("t2v", ""), ("t2v", "camera"),
    }  # fmt: skip
    for key, ratings in theirs.items():
        assert set(ratings) == set(mine[key])
        for slug, rating in ratings.items():
            assert mine[key][slug] == pytest.approx(rating, abs=1e-9)
    assert differences(mine, theirs) == []

    path = tmp_path / "votes.csv"
    path.write_text(body)
    out = io.StringIO()
    call_command("refit_from_export", str(path), "--compare", stdout=out)
    assert "agree" in out.getvalue()


def test_refit_from_export_fails_loudly_when_the_ratings_differ(db, tmp_path):
    _, generations = make_grid(models=3, prompts=2)
    _cast_votes(generations, n=60, seed=4)
    services.ratings_refresh(rounds=0)
    path = tmp_path / "votes.csv"
    path.write_text(_export())
    Vote.objects.filter(voided=False).first().delete()  # the site moves on; the file does not
    services.ratings_refresh(rounds=0)
    with pytest.raises(CommandError, match="differ"):
        call_command("refit_from_export", str(path), "--compare", stdout=io.StringIO())


def test_votes_on_clips_that_stopped_being_public_leave_ratings_and_export_together(db):
    _, generations = make_grid(models=3, prompts=2)
    _cast_votes(generations, n=40, seed=5)
    Comparison.objects.filter(pk=Comparison.objects.first().pk).update(published=False)
    services.ratings_refresh(rounds=0)
    rows = list(csv.DictReader(io.StringIO(_export())))
    counted = [r for r in rows if r["counted"] == "True"]
    fit = services.current_fit(pool="t2v_audio")
    assert fit.vote_count == len(counted) < Vote.objects.counted().count()
