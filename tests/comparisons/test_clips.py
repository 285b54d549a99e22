"""Clips as the comparison page shows them: best values, then-vs-now pairs."""

import pytest

from comparisons.clips import PLAYER_MAX_CLIPS, clips_for, mark_best, movements, then_and_now
from tests.comparisons.conftest import add_clip
from tests.factories import RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


def _models(count):
    return [
        VideoModelFactory(slug=f"m{i}", display_name=f"M{i}", synthetic=False) for i in range(count)
    ]


def test_the_best_clip_of_each_metric_is_marked(catalog):
    run = RunFactory(state="complete")
    fast, steady = _models(2)
    add_clip(run, fast, coherence=0.7, seconds=10, cost="0.90")
    add_clip(run, steady, coherence=0.9, seconds=60, cost="0.20")
    by_name = {c.model.display_name: c for c in mark_best(clips_for(run.generations.all()))}
    assert by_name["M0"].best == {"time"}
    assert by_name["M1"].best == {"coherence", "cost", "cost_per_second"}


def test_a_frozen_clip_cannot_win_on_coherence():
    run = RunFactory(state="complete")
    frozen, moving = _models(2)
    still = add_clip(run, frozen, coherence=0.99)
    still.quality_report.frozen_fraction = 0.9
    still.quality_report.save()
    add_clip(run, moving, coherence=0.8)
    by_name = {c.model.display_name: c for c in mark_best(clips_for(run.generations.all()))}
    assert "coherence" not in by_name["M0"].best
    assert "coherence" in by_name["M1"].best


def test_then_and_now_pairs_clips_by_model_within_the_player_limit():
    models = _models(5)
    now_run, then_run = RunFactory(state="complete"), RunFactory(state="complete")
    for model in models:
        add_clip(now_run, model, coherence=0.9)
    for model in models[1:]:
        add_clip(then_run, model, coherence=0.8)
    moves = movements(clips_for(now_run.generations.all()), clips_for(then_run.generations.all()))
    assert [m.then is None for m in moves] == [True, False, False, False, False]
    assert round(moves[1].coherence, 3) == 0.1
    played = then_and_now(moves)
    assert len(played) == PLAYER_MAX_CLIPS
    assert [c.model.display_name for c in played] == ["M1", "M1", "M2", "M2", "M3", "M3"]


def test_a_frozen_or_flickering_clip_wins_no_star_on_coherence_flicker_or_cost():
    run = RunFactory(state="complete")
    frozen, flickering, steady = _models(3)
    still = add_clip(run, frozen, coherence=0.99, cost="0.10")
    still.quality_report.frozen_fraction = 0.9
    still.quality_report.flicker_score = 0.0
    still.quality_report.save()
    add_clip(run, flickering, coherence=0.95, cost="0.15", spikes=(1.0, 2.1, 3.2, 4.4))
    add_clip(run, steady, coherence=0.8, cost="0.50")
    by_name = {c.model.display_name: c for c in mark_best(clips_for(run.generations.all()))}
    ranked = {"coherence", "flicker", "cost", "cost_per_second"}
    assert not by_name["M0"].best & ranked
    assert not by_name["M1"].best & ranked
    assert by_name["M2"].best >= ranked
