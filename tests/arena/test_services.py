"""Arena services called directly: pair sampling, pair tokens, votes, voiding, rating refreshes."""

import base64
import dataclasses
import json
import random
import threading
import time
import types
from collections import Counter
from itertools import pairwise

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arena import sampling, services
from arena.models import Pool, Rating, RatingFit, Vote
from arena.services import VoteRefused, pair_sample, pair_token_issue, vote_record
from benchmarks.models import Generation
from tests.arena.conftest import make_grid
from tests.factories import (
    PlayableGenerationFactory,
    RunFactory,
    UserFactory,
    VideoModelFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


def issue(voter, *, pool=None, rng=None):
    pair = pair_sample(voter=voter, pool=pool, rng=rng)
    pair_token_issue(pair=pair, voter=voter)
    return pair


def test_pairs_are_two_models_of_one_prompt_in_one_pool(grid):
    models, generations = grid
    by_pk = {g.pk: g for g in generations}
    rng = random.Random(1)
    sides = Counter()
    for _ in range(60):
        pair = pair_sample(voter="v", rng=rng)
        a, b = by_pk[pair.generation_a], by_pk[pair.generation_b]
        assert a.pk < b.pk
        assert a.run.prompt_id == b.run.prompt_id
        assert a.video_model_id != b.video_model_id
        assert pair.pool == Pool.T2V_AUDIO
        sides[pair.a_on_left] += 1
    assert sides[True] > 10
    assert sides[False] > 10


def test_pools_and_the_synthetic_line_are_never_crossed(db):
    make_grid(models=2, prompts=1, prefix="silent", audio=False, synthetic=False)
    make_grid(models=2, prompts=1, prefix="loud", audio=True, synthetic=False)
    make_grid(models=1, prompts=1, prefix="demo", audio=True, synthetic=True)
    seen = set()
    for seed in range(40):
        pair = pair_sample(voter="v", rng=random.Random(seed))
        clips = Generation.objects.filter(pk__in=[pair.generation_a, pair.generation_b])
        models = {slug.split("-")[0] for slug in clips.values_list("video_model__slug", flat=True)}
        assert len(models) == 1
        seen |= models
        assert pair.pool == (Pool.T2V if models == {"silent"} else Pool.T2V_AUDIO)
    assert seen == {"silent", "loud"}  # a lone synthetic model has nobody to face
    assert pair_sample(voter="v", pool=Pool.I2V) is None


def test_sampling_favours_model_pairs_whose_ratings_are_still_uncertain(grid, settings):
    settings.ARENA_EXPLORATION = 0.05
    models, _ = grid
    first, second = models[0], models[1]
    for _ in range(30):
        VoteFactory(
            generation_a__video_model=first, generation_b__video_model=second, outcome="tie"
        )
    services.ratings_refresh(rounds=50, seed=1)
    rng = random.Random(3)
    model_of = dict(Generation.objects.values_list("pk", "video_model_id"))
    drawn = Counter(_models_of(pair_sample(voter="v", rng=rng), model_of) for _ in range(300))
    crowded = drawn[tuple(sorted((first.pk, second.pk)))]
    others = [n for key, n in drawn.items() if key != tuple(sorted((first.pk, second.pk)))]
    assert crowded < min(others) / 5


def test_sampling_favours_close_ratings(grid):
    models, _ = grid
    points = {models[0]: 1000, models[1]: 1010, models[2]: 1400, models[3]: 600}
    # The far pair is long established, the close pair new: the plan puts its votes where a vote
    # says most about the uncertain ratings, between the two close models (Pair keys sort ids).
    games = {(x.pk, y.pk): 30 for x in points for y in points if x.pk < y.pk}
    games[tuple(sorted((models[0].pk, models[1].pk)))] = 0
    games[tuple(sorted((models[2].pk, models[3].pk)))] = 1000
    plan = sampling.plan({m.pk: rating for m, rating in points.items()}, games)
    fit = RatingFit.objects.create(
        pool=Pool.T2V_AUDIO, vote_count=240, bootstrap_rounds=0,
        pair_plan=[[x, y, share] for (x, y), share in plan.items()],
    )  # fmt: skip
    for rank, (model, rating) in enumerate(points.items(), start=1):
        Rating.objects.create(
            fit=fit, video_model=model, rating=rating, lower=rating - 5, upper=rating + 5,
            votes=0, wins=0, rank=rank, rank_best=rank, rank_worst=rank, provisional=False,
        )  # fmt: skip
    rng = random.Random(5)
    model_of = dict(Generation.objects.values_list("pk", "video_model_id"))
    drawn = Counter(_models_of(pair_sample(voter="v", rng=rng), model_of) for _ in range(300))
    close = drawn[tuple(sorted((models[0].pk, models[1].pk)))]
    far = drawn[tuple(sorted((models[2].pk, models[3].pk)))]
    assert close > 3 * far
    assert far > 0  # far pairs still get some votes


def _models_of(pair, model_of):
    return tuple(sorted((model_of[pair.generation_a], model_of[pair.generation_b])))


def test_a_voter_never_gets_a_pair_again_and_runs_out(grid, voter, ip):
    seen = set()
    for _ in range(12):  # 4 models, 2 prompts: 6 pairs per prompt
        pair = issue(voter)
        assert (pair.generation_a, pair.generation_b) not in seen
        seen.add((pair.generation_a, pair.generation_b))
        vote_record(token=pair.token, choice="left", voter=voter, ip=ip)
    assert pair_sample(voter=voter) is None
    assert pair_sample(voter="someone else") is not None


def test_a_vote_records_one_row_with_the_outcome_as_seen(grid, voter, ip):
    pair = issue(voter, rng=random.Random(2))
    vote = vote_record(token=pair.token, choice="left", voter=voter, ip=ip)
    vote.refresh_from_db()
    left_is_a = pair.a_on_left
    assert vote.outcome == (Vote.Outcome.A if left_is_a else Vote.Outcome.B)
    assert vote.choice == "left"
    assert (vote.generation_a_id, vote.generation_b_id) == (pair.generation_a, pair.generation_b)
    assert vote.pool == Pool.T2V_AUDIO
    assert vote.category == "scene"
    assert vote.voter_hash == voter
    assert vote.ip_hash == ip
    assert "127.0.0.1" not in ip
    assert len(ip) == 64
    assert Vote.objects.count() == 1


def test_a_replayed_token_is_refused_and_records_nothing(grid, voter, ip):
    pair = issue(voter)
    vote_record(token=pair.token, choice="tie", voter=voter, ip=ip)
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=pair.token, choice="right", voter=voter, ip=ip)
    assert refused.value.status == 409
    assert Vote.objects.count() == 1
    assert Vote.objects.get().outcome == "tie"


def test_a_second_token_for_the_same_pair_is_refused(grid, voter, ip):
    pair = issue(voter)
    vote_record(token=pair.token, choice="left", voter=voter, ip=ip)
    again = dataclasses.replace(pair, a_on_left=not pair.a_on_left, token="")
    pair_token_issue(pair=again, voter=voter)
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=again.token, choice="left", voter=voter, ip=ip)
    assert refused.value.status == 409
    assert Vote.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # bad signature
        lambda token: signing.TimestampSigner(salt="other").sign_object(
            signing.TimestampSigner(salt=services.TOKEN_SALT).unsign_object(
                token, serializer=services.SealedJSONSerializer
            ),
            serializer=services.SealedJSONSerializer,
        ),
        lambda token: signing.TimestampSigner(salt=services.TOKEN_SALT).sign_object([1, 2]),
        lambda token: "",
        lambda token: "not-a-token",
    ],
    ids=["bad-signature", "other-salt", "wrong-shape", "empty", "garbage"],
)
def test_a_forged_token_is_refused_and_records_nothing(grid, voter, ip, tamper):
    pair = issue(voter)
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=tamper(pair.token), choice="left", voter=voter, ip=ip)
    assert 400 <= refused.value.status < 500
    assert not Vote.objects.exists()


def test_a_token_does_not_tell_which_model_is_on_which_side(grid, voter):
    pair = issue(voter)
    payload = pair.token.split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"t2v_audio" not in decoded
    assert b"scene" not in decoded
    with pytest.raises(json.JSONDecodeError):
        json.loads(decoded)


def test_a_forged_pair_signed_with_our_salt_but_not_our_key_is_refused(grid, voter, ip):
    models, generations = grid
    a, b = generations[0], generations[1]
    forged = signing.TimestampSigner(key="guessed", salt=services.TOKEN_SALT).sign_object(
        [a.pk, b.pk, a.video_model_id, b.video_model_id, a.run.prompt_id, "scene", "t2v_audio",
         1, "x" * 32, voter[:32]],
        serializer=services.SealedJSONSerializer,
    )  # fmt: skip
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=forged, choice="left", voter=voter, ip=ip)
    assert refused.value.status == 400
    assert not Vote.objects.exists()


def test_another_sessions_token_is_refused(grid, voter, ip):
    pair = issue(voter)
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=pair.token, choice="left", voter=services.voter_hash("thief"), ip=ip)
    assert refused.value.status == 403
    assert not Vote.objects.exists()


def test_an_expired_token_is_refused(grid, voter, ip, settings, monkeypatch):
    settings.ARENA_TOKEN_MAX_AGE = 60
    pair = issue(voter)
    later = time.time() + 61
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: later))
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=pair.token, choice="left", voter=voter, ip=ip)
    assert refused.value.status == 410
    assert not Vote.objects.exists()


def test_an_unknown_choice_is_refused(grid, voter, ip):
    pair = issue(voter)
    with pytest.raises(VoteRefused):
        vote_record(token=pair.token, choice="both", voter=voter, ip=ip)
    assert not Vote.objects.exists()


def test_votes_are_rate_limited_per_session(grid, voter, ip, settings):
    settings.ARENA_RATE_LIMIT_SESSION = (3, 60)
    for _ in range(3):
        vote_record(token=issue(voter).token, choice="left", voter=voter, ip=ip)
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=issue(voter).token, choice="left", voter=voter, ip=ip)
    assert refused.value.status == 429
    assert Vote.objects.count() == 3


def test_votes_are_rate_limited_per_address_across_sessions(grid, ip, settings):
    settings.ARENA_RATE_LIMIT_IP = (4, 60)
    for n in range(4):
        voter = services.voter_hash(f"session-{n}")
        vote_record(token=issue(voter).token, choice="right", voter=voter, ip=ip)
    fresh = services.voter_hash("session-new")
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=issue(fresh).token, choice="right", voter=fresh, ip=ip)
    assert refused.value.status == 429
    other_ip = services.voter_hash("ip:10.0.0.9")
    vote_record(token=issue(fresh).token, choice="right", voter=fresh, ip=other_ip)
    assert Vote.objects.count() == 5


def test_hashes_depend_on_the_secret_salt(settings):
    settings.ARENA_SALT = "one"
    first = services.voter_hash("ip:127.0.0.1")
    settings.ARENA_SALT = "two"
    assert services.voter_hash("ip:127.0.0.1") != first


def test_client_ip_reads_the_proxy_header_only_when_configured(settings):
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}
    assert services.client_ip(meta) == "10.0.0.1"
    settings.ARENA_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert services.client_ip(meta) == "203.0.113.7"


def test_staff_void_a_voters_votes_and_the_ratings_forget_them(
    grid, django_capture_on_commit_callbacks
):
    models, _ = grid
    cheat = services.voter_hash("cheat")
    for _ in range(20):
        VoteFactory(generation_a__video_model=models[3], generation_b__video_model=models[0],
                    voter_hash=cheat)  # fmt: skip
    honest = VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[3])
    services.ratings_refresh(rounds=20, seed=1)
    before = services.current_ratings(pool=Pool.T2V_AUDIO)
    assert before[models[3].pk].rating > before[models[0].pk].rating
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.voter_void(voters=[cheat], by=UserFactory()) == 20
    assert len(callbacks) == 1  # a refresh is queued
    assert Vote.objects.counted().get() == honest
    assert Vote.objects.filter(voided=True, voided_by__isnull=False).count() == 20
    services.ratings_refresh(rounds=20, seed=1)
    after = services.current_ratings(pool=Pool.T2V_AUDIO)
    assert after[models[0].pk].rating > after[models[3].pk].rating
    assert after[models[0].pk].votes == 1


def test_a_burst_of_votes_queues_one_refresh_soon_and_the_next_vote_after_it_another(
    grid, voter, ip, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ARENA_REFRESH_DELAY = 30
    queued = []
    monkeypatch.setattr(
        "arena.tasks.ratings_refresh.apply_async", lambda **kw: queued.append(kw["countdown"])
    )
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            vote_record(token=issue(voter).token, choice="left", voter=voter, ip=ip)
    assert queued == [30]
    assert services.refresh_due() == pytest.approx(time.time() + 30, abs=5)

    services.ratings_refresh(rounds=0)  # the queued refresh runs: the next vote queues anew
    assert services.refresh_due() is None
    with django_capture_on_commit_callbacks(execute=True):
        vote_record(token=issue(voter).token, choice="left", voter=voter, ip=ip)
    assert queued == [30, 30]


def test_ratings_refresh_fits_every_pool_overall_and_per_category(db, settings):
    settings.ARENA_PROVISIONAL_WIDTH = 150
    loud, _ = make_grid(models=3, prompts=1, prefix="loud", category="motion")
    silent, _ = make_grid(models=2, prompts=1, prefix="quiet", audio=False, category="camera")
    for _ in range(40):
        VoteFactory(generation_a__video_model=loud[0], generation_b__video_model=loud[1],
                    category="motion")  # fmt: skip
        VoteFactory(generation_a__video_model=loud[1], generation_b__video_model=loud[2],
                    category="scene", outcome="a")  # fmt: skip
    VoteFactory(generation_a__video_model=silent[0], generation_b__video_model=silent[1],
                pool=Pool.T2V, category="camera")  # fmt: skip
    fits = services.ratings_refresh(rounds=50, seed=1)
    assert {(f.pool, f.category, f.vote_count) for f in fits} == {
        ("t2v_audio", "", 80), ("t2v_audio", "motion", 40), ("t2v_audio", "scene", 40),
        ("t2v", "", 1), ("t2v", "camera", 1),
    }  # fmt: skip
    overall = services.current_ratings(pool=Pool.T2V_AUDIO)
    assert [overall[m.pk].rank for m in loud] == [1, 2, 3]
    assert overall[loud[1].pk].votes == 80
    motion = services.current_ratings(pool=Pool.T2V_AUDIO, category="motion")
    assert set(motion) == {loud[0].pk, loud[1].pk}
    one_vote = services.current_ratings(pool=Pool.T2V)
    assert all(r.provisional for r in one_vote.values())
    assert not overall[loud[1].pk].provisional  # 80 votes: narrower than 150 points
    assert services.current_ratings(pool=Pool.I2V) == {}


def test_current_ratings_reads_the_newest_fit_in_two_queries(grid, django_assert_num_queries):
    models, _ = grid
    VoteFactory(generation_a__video_model=models[0], generation_b__video_model=models[1])
    services.ratings_refresh(rounds=10, seed=1)
    VoteFactory(generation_a__video_model=models[1], generation_b__video_model=models[0])
    VoteFactory(generation_a__video_model=models[1], generation_b__video_model=models[0])
    services.ratings_refresh(rounds=10, seed=1)
    with django_assert_num_queries(2):
        ratings = services.current_ratings(pool=Pool.T2V_AUDIO)
    assert ratings[models[1].pk].rank == 1
    assert ratings[models[1].pk].votes == 3


def test_disagreements_show_where_people_and_coherence_rank_models_apart(db, settings):
    from tests.factories import RunFactory

    settings.ARENA_DISAGREEMENT_MIN_VOTES = 3
    models, generations = make_grid(models=3, prompts=1)
    prompt = generations[0].run.prompt
    # Coherence ranks 0 > 1 > 2; people rank 2 > 1 > 0 (a frozen clip is "coherent").
    for generation, coherence in zip(generations, [0.99, 0.9, 0.6], strict=True):
        generation.quality_report = _report(generation, coherence)
    for winner, loser in [(2, 0)] * 4 + [(2, 1)] * 3 + [(1, 0)] * 3:
        a, b = sorted([generations[winner], generations[loser]], key=lambda g: g.pk)
        VoteFactory(
            generation_a=a, generation_b=b, outcome="a" if a == generations[winner] else "b"
        )
    other = RunFactory()  # votes on another prompt do not count here
    rows = services.disagreements(prompt)
    assert [(row.model, row.direction) for row in rows] == [
        (models[0], "scored high, voted down"),
        (models[2], "voted up, scored low"),
    ]
    assert rows[1].win_rate == 1.0
    assert rows[1].people_rank == 1
    assert rows[1].metric_rank == 3
    assert services.disagreements(other.prompt) == []


def _report(generation, coherence):
    from benchmarks.models import QualityReport

    return QualityReport.objects.create(
        generation=generation, algorithm_version="1", mean_coherence=coherence,
        min_coherence=coherence, std_coherence=0, frame_count=10,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_a_vote_on_a_clip_deleted_since_the_pair_was_shown_gets_410(voter, ip):
    make_grid(models=2, prompts=1)
    pair = issue(voter)
    Generation.objects.filter(pk=pair.generation_b).delete()
    with pytest.raises(VoteRefused) as refused:
        vote_record(token=pair.token, choice="left", voter=voter, ip=ip)
    assert refused.value.status == 410
    assert not Vote.objects.exists()


def _refresh_queries() -> list[str]:
    """Return the SQL of the queries one ratings_refresh makes."""
    with CaptureQueriesContext(connection) as queries:
        services.ratings_refresh(rounds=10, seed=1)
    return [query["sql"] for query in queries.captured_queries]


def test_a_refresh_reads_the_counted_votes_once_whatever_their_number(db):
    # Screening used to read and fit every counted vote, then the refresh read them again: a
    # GROUP BY over a million votes twice.
    _, generations = make_grid(models=3, prompts=2)
    runs = [[g for g in generations if g.run_id == run] for run in {g.run_id for g in generations}]
    counts = []
    for votes in (4, 40):
        for i in range(votes):
            rng = random.Random(i)
            a, b = sorted(rng.sample(runs[i % 2], 2), key=lambda g: g.pk)
            VoteFactory(generation_a=a, generation_b=b, outcome=rng.choice("ab"))
        sql = _refresh_queries()
        # (The failure tags' count joins each tag's vote; it reads tags, not every vote.)
        votes_read = ["GROUP BY" in q and "arena_vote" in q and "failuretag" not in q for q in sql]
        assert sum(votes_read) == 1, sql
        counts.append(len(sql))
    assert counts[0] == counts[1]


def test_a_refresh_deletes_fits_older_than_the_history_kept(grid, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.ARENA_FIT_HISTORY_DAYS = 30
    old = RatingFit.objects.create(
        pool=Pool.T2V, computed_at=timezone.now() - timedelta(days=31), vote_count=0,
        bootstrap_rounds=0,
    )  # fmt: skip
    recent = RatingFit.objects.create(
        pool=Pool.T2V, computed_at=timezone.now() - timedelta(days=29), vote_count=0,
        bootstrap_rounds=0,
    )  # fmt: skip
    services.ratings_refresh(rounds=0)
    assert not RatingFit.objects.filter(pk=old.pk).exists()
    assert RatingFit.objects.filter(pk=recent.pk).exists()
    assert services.current_fit(pool=Pool.T2V).pk != recent.pk  # the refresh wrote a newer one


def test_ratings_for_a_mode_merge_its_silent_and_audio_pools(db):
    loud, _ = make_grid(models=2, prompts=1, prefix="loud")
    quiet, _ = make_grid(models=2, prompts=1, prefix="quiet", audio=False)
    VoteFactory(generation_a__video_model=loud[0], generation_b__video_model=loud[1])
    VoteFactory(generation_a__video_model=quiet[0], generation_b__video_model=quiet[1],
                pool=Pool.T2V)  # fmt: skip
    services.ratings_refresh(rounds=10, seed=1)
    merged = services.current_ratings_for_mode(mode="t2v")
    assert set(merged) == {m.pk for m in loud + quiet}
    assert merged[loud[0].pk].fit.pool == Pool.T2V_AUDIO
    assert merged[quiet[0].pk].fit.pool == Pool.T2V
    assert services.current_ratings_for_mode(mode="i2v") == {}


def _draws(voter="v", *, n=60, pool=None):
    """Return the (clip a, clip b) pairs of `n` draws (seeded), None for no pair."""
    pairs = (pair_sample(voter=voter, pool=pool, rng=random.Random(seed)) for seed in range(n))
    return [(p.generation_a, p.generation_b) if p else None for p in pairs]


def test_samples_are_clips_of_one_model_and_never_face_each_other(db):
    (first, second), _ = make_grid(models=2, prompts=1, prefix="samples")
    run = Generation.objects.filter(video_model=first).get().run
    for sample in (1, 2):
        PlayableGenerationFactory(run=run, video_model=first, sample=sample)
    model_of = dict(Generation.objects.values_list("pk", "video_model_id"))
    drawn = Counter(tuple(model_of[g] for g in pair) for pair in _draws())
    assert set(drawn) <= {(first.pk, second.pk), (second.pk, first.pk)}
    # Each of the three samples of `first` meets the one clip of `second`.
    assert len({pair for pair in _draws()}) == 3


NO_SHARED_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.mark.parametrize(("models", "prompts", "votes"), [(3, 2, 0), (8, 6, 40)])
def test_a_pair_draw_reads_only_the_voters_votes_while_its_process_draw_is_fresh(
    db, settings, django_assert_num_queries, models, prompts, votes
):
    # A shared cache that keeps nothing (as in tests/perf/bench_scale.py): before, every draw
    # read every clip again, seconds per request at 200,000 clips.
    settings.CACHES = NO_SHARED_CACHE
    _, generations = make_grid(models=models, prompts=prompts)
    for a, b in list(pairwise(generations))[:votes]:
        if a.run_id == b.run_id:
            VoteFactory(generation_a=a, generation_b=b, voter_hash="someone")
    services.sampling_cache_clear()
    with django_assert_num_queries(4):  # the clips, the models fits rated, the plans, the votes
        assert pair_sample(voter="v")
    for seed in range(5):
        with django_assert_num_queries(1):  # this voter's votes: always read live
            assert pair_sample(voter="v", rng=random.Random(seed))


def _draw_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("arena-draw-")]


@pytest.mark.django_db(transaction=True)  # the remaking thread reads on its own connection
def test_an_old_draw_serves_while_a_thread_remakes_it(settings, monkeypatch):
    # Remaking reads every clip: at a year's data a request waited 2.5 s for it in every
    # process every ARENA_SAMPLING_CACHE_SECONDS.
    settings.CACHES = NO_SHARED_CACHE
    settings.ARENA_SAMPLING_CACHE_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    (first, second), generations = make_grid(models=2, prompts=1, prefix="aged")
    services.sampling_cache_clear()
    assert {pair_sample(voter="v").generation_a for _ in range(5)} == {generations[0].pk}
    later = VideoModelFactory(slug="aged-late", synthetic=True)
    PlayableGenerationFactory(run=generations[0].run, video_model=later, assets__audio=True)
    clock[0] += 29
    assert len(services._draw(None).keys) == 1  # up to 30 s old, as the setting allows
    assert not _draw_threads()
    clock[0] += 2
    assert len(services._draw(None).keys) == 1  # served at once, while a thread remakes it
    assert len(services._draw(None).keys) == 1  # and only one thread does
    threads = _draw_threads()
    assert len(threads) == 1
    threads[0].join(timeout=30)
    assert len(services._draw(None).keys) == 3  # the new model's two pairs


@pytest.mark.django_db(transaction=True)
def test_a_draw_remade_in_the_background_is_dropped_if_clips_were_taken_back_meanwhile(
    settings, monkeypatch
):
    settings.CACHES = NO_SHARED_CACHE
    settings.ARENA_SAMPLING_CACHE_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    make_grid(models=2, prompts=1, prefix="taken")
    services.sampling_cache_clear()
    assert services._draw(None).keys
    made = []
    monkeypatch.setattr(
        services, "_draw_make", lambda pool: made.append(services.sampling_cache_clear())
    )
    clock[0] += 31
    services._draw(None)
    for thread in _draw_threads():
        thread.join(timeout=30)
    assert made == [None]
    assert services._draws == {}  # the next request makes its own, from what is public now


@pytest.mark.parametrize(
    "change",
    [
        {"duration": 10},
        {"resolution": "1080p"},
        {"aspect_ratio": "9:16"},
        {"camera_motion": "pan_left"},
    ],
)
def test_clips_made_with_different_request_settings_are_never_paired(db, change):
    (first, second), generations = make_grid(models=2, prompts=1, prefix="settings")
    later = RunFactory(prompt=generations[0].run.prompt, **change)
    Generation.objects.filter(video_model=second).update(run=later)
    assert pair_sample(voter="v") is None


def test_an_imported_sample_made_with_other_settings_is_not_paired(db):
    (first, second), generations = make_grid(models=2, prompts=1, prefix="import")
    run = generations[0].run
    Generation.objects.filter(video_model=second).update(
        request_sent={"imported_file": "clip.mp4", "settings": {"duration": run.duration * 2}}
    )
    assert pair_sample(voter="v") is None
    same = {"duration": run.duration, "seed": 3}  # another seed: a sample, not another request
    Generation.objects.filter(video_model=second).update(
        request_sent={"imported_file": "clip.mp4", "settings": same}
    )
    services.sampling_cache_clear()
    assert pair_sample(voter="v") is not None
