"""The arena stays blind: nothing in a pair can be matched against what public pages serve."""

import re
import time

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from arena import media, services
from arena.models import Pool, Vote
from benchmarks.models import Generation, VideoAsset
from benchmarks.providers.base import GenerationRequest
from benchmarks.providers.local.plugin import NAMED_RENDERERS, RENDERER_VERSION, LocalSmooth
from comparisons.cache import clear_local
from comparisons.models import Comparison
from tests.arena.conftest import make_grid
from tests.factories import (
    PlayableGenerationFactory,
    PromptFactory,
    RunFactory,
    VideoModelFactory,
    VoteFactory,
)

URL_ATTR = re.compile(r'(?:src|poster|href|data-src)="([^"]+)"')


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def public_map(client) -> dict:
    """Fetch every public comparison page and every media file it names, as a scraper would.

    Return {"urls": set, "sizes": set, "etags": set, "names": set} of what public pages serve.
    """
    found = {"urls": set(), "sizes": set(), "etags": set(), "names": set()}
    pages = [reverse("comparisons:home"), reverse("comparisons:leaderboard")]
    pages += [c.get_absolute_url() for c in Comparison.objects.published()]
    for page in pages:
        html = client.get(page).content.decode()
        for url in URL_ATTR.findall(html):
            if not url.startswith("/media/"):
                continue
            found["urls"].add(url)
            response = client.get(url)
            assert response.status_code == 200, url
            found["sizes"].add(len(_body(response)))
            found["etags"].add(response.get("ETag"))
            found["names"].add(url.rsplit("/", 1)[-1])
            ranged = client.get(url, headers={"Range": "bytes=0-9"})
            found["sizes"].add(int(ranged["Content-Range"].rsplit("/", 1)[1]))
    found["etags"].discard(None)
    return found


def test_no_arena_pair_matches_any_url_poster_or_size_that_public_pages_serve(db):
    make_grid(models=4, prompts=2)
    scraper = Client()
    public = public_map(scraper)
    assert len(public["urls"]) == 16  # 8 clips and 8 posters: the map is not empty
    voter = Client()
    checked = 0
    for _ in range(8):
        data = voter.get(reverse("arena:pair")).json()
        page = voter.get(reverse("arena:vote-page")).content.decode()
        assert not any(url in page for url in public["urls"])
        pair_sizes = {"standard": set(), "poster": set()}
        for side in ("left", "right"):
            clip = data[side]
            urls = {"standard": clip["sources"]["standard"], "poster": clip["poster"]}
            for tier, url in urls.items():
                assert url not in public["urls"]
                assert not any(name in url for name in public["names"])
                whole = voter.get(url)
                assert whole.status_code == 200
                body = _body(whole)
                ranged = voter.get(url, headers={"Range": "bytes=10-19"})
                assert ranged.status_code == 206
                total = int(ranged["Content-Range"].rsplit("/", 1)[1])
                assert total == len(body) == int(whole["Content-Length"])
                assert len(body) not in public["sizes"]
                assert whole["ETag"] not in public["etags"]
                assert not any(n in whole["Content-Disposition"] for n in public["names"])
                pair_sizes[tier].add(len(body))
                checked += 1
        # Both clips (and both posters) of a pair have one size: size cannot tell the sides apart.
        assert all(len(sizes) == 1 for sizes in pair_sizes.values())
    assert checked == 32


def test_the_arena_copy_is_the_public_file_followed_by_a_padding_box(db):
    make_grid(models=2, prompts=1)
    client = Client()
    data = client.get(reverse("arena:pair")).json()
    url = data["left"]["sources"]["standard"]
    body = _body(client.get(url))
    originals = {
        a.key: default_storage.open(a.key).read()
        for a in VideoAsset.objects.filter(tier=VideoAsset.Tier.STANDARD)
    }
    original = next(o for o in originals.values() if body.startswith(o))
    box = body[len(original) :]
    assert int.from_bytes(box[:4], "big") == len(box)
    assert box[4:8] == b"free"
    # Ranges cross from the file into the padding and back, byte for byte.
    start, end = len(original) - 5, len(original) + 20
    part = _body(client.get(url, headers={"Range": f"bytes={start}-{end}"}))
    assert part == body[start : end + 1]


def test_arena_media_urls_belong_to_their_voter_and_expire(db, settings):
    make_grid(models=2, prompts=1)
    owner = Client()
    url = owner.get(reverse("arena:pair")).json()["left"]["sources"]["standard"]
    assert owner.get(url).status_code == 200
    assert Client().get(url).status_code == 404  # someone else's pair
    settings.ARENA_TOKEN_MAX_AGE = 0
    time.sleep(1.1)
    assert owner.get(url).status_code == 404  # expired with the pair token


def test_padding_makes_one_size_above_both_files():
    sizes = [10_000, 30_000]
    total = media.padded_size(sizes)
    assert total >= 30_000 * 1.05 + media.BOX_HEADER
    assert total % media.PAD_ROUND == 0


def test_clips_of_unpublished_comparisons_never_enter_the_arena(db):
    models = [VideoModelFactory(slug=f"hidden-{i}") for i in range(2)]
    run = RunFactory(prompt=PromptFactory(published=True))
    for model in models:
        PlayableGenerationFactory(run=run, video_model=model, comparison__published=False)
    assert services.pair_sample(voter="v") is None
    Comparison.objects.update(published=True)
    services.sampling_cache_clear()
    assert services.pair_sample(voter="v") is not None


def test_demo_clips_that_burned_the_model_name_in_never_enter_the_arena(db):
    _, generations = make_grid(models=2, prompts=1, synthetic=True)
    Generation.objects.filter(pk=generations[0].pk).update(
        model_version=f"demo-smooth@{NAMED_RENDERERS[0]}"
    )
    assert services.pair_sample(voter="v") is None
    Generation.objects.filter(pk=generations[0].pk).update(
        model_version=f"demo-smooth@{RENDERER_VERSION}"
    )
    services.sampling_cache_clear()
    assert services.pair_sample(voter="v") is not None


def test_the_demo_renderer_no_longer_puts_the_model_name_in_the_picture():
    spec = LocalSmooth().clip_spec(
        GenerationRequest(prompt="a red fox in snow", duration=1, aspect_ratio="16:9")
    )
    assert LocalSmooth.display_name not in repr(spec)
    assert RENDERER_VERSION not in NAMED_RENDERERS


def test_pools_follow_the_clips_audio_track_not_the_models_capability(db):
    # The models say they make sound; the files have no audio track: a silent pool.
    make_grid(models=2, prompts=1, audio=False)
    VideoAsset.objects.filter(tier=VideoAsset.Tier.STANDARD).update(has_audio=False)
    pair = services.pair_sample(voter="v")
    assert pair.pool == Pool.T2V
    VideoAsset.objects.update(has_audio=None)  # never probed: not shown until it is
    services.sampling_cache_clear()
    assert services.pair_sample(voter="v") is None


def test_a_vote_after_the_names_were_shown_is_stored_but_does_not_count(db):
    make_grid(models=2, prompts=1)
    client = Client()
    page = client.get(reverse("arena:vote-page")).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    peek = client.post(reverse("arena:peek"), {"token": token})
    assert peek.status_code == 200
    assert "Arena Model" in peek.content.decode()
    client.post(reverse("arena:vote"), {"token": token, "choice": "left"})
    vote = Vote.objects.get()
    assert vote.voided
    assert vote.reason == Vote.Reason.REVEALED
    assert not Vote.objects.in_ratings().exists()


def test_names_are_hidden_until_the_vote_is_recorded(db):
    models, _ = make_grid(models=2, prompts=1)
    client = Client()
    page = client.get(reverse("arena:vote-page")).content.decode()
    data = client.get(reverse("arena:pair")).json()
    for model in models:
        assert model.display_name not in page
        assert model.slug not in page
        assert model.display_name not in str(data)


@pytest.mark.parametrize(
    ("watched", "seconds", "counted"),
    [
        ((None, None), 10.0, False),  # no report from the player (no JavaScript, or a script)
        ((0.3, 1.0), 10.0, False),  # the left clip barely played
        ((1.0, 1.0), 0.5, False),  # the player says "watched", the clock says otherwise
        ((0.8, 0.9), 10.0, True),
    ],
)
def test_a_vote_counts_only_after_both_clips_were_watched(
    db, settings, monkeypatch, watched, seconds, counted
):
    settings.ARENA_MIN_WATCH_SHARE = 0.75
    make_grid(models=2, prompts=1)
    voter = services.voter_hash("watcher")
    pair = services.pair_sample(voter=voter)
    pair.needed = 0.75 * 2  # two-second clips
    services.pair_token_issue(pair=pair, voter=voter)
    now = time.time()
    monkeypatch.setattr(services.time, "time", lambda: now + seconds)
    vote = services.vote_record(
        token=pair.token, choice="left", voter=voter, ip="ip", watched=watched
    )
    assert vote.voided is not counted
    assert vote.reason == ("" if counted else Vote.Reason.TOO_FAST)
    assert vote.watched_left == watched[0]
    assert vote.seconds_to_vote == pytest.approx(seconds, abs=0.01)


def test_the_vote_page_says_how_long_to_watch_and_the_player_reports_it(db, settings):
    settings.ARENA_MIN_WATCH_SHARE = 0.75
    make_grid(models=2, prompts=1)
    page = Client().get(reverse("arena:vote-page")).content.decode()
    assert "75 %" in page
    assert 'name="watched_left"' in page
    assert 'name="watched_right"' in page
    assert "arena/watch" in page


def test_voting_does_not_switch_the_page_cache_off_for_the_voter(db, settings):
    settings.PAGE_CACHE_SECONDS = 60
    clear_local()
    make_grid(models=2, prompts=1)
    voter = Client()
    response = voter.get(reverse("arena:vote-page"))
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    voter.post(reverse("arena:vote"), {"token": token, "choice": "left"})
    assert Vote.objects.count() == 1
    assert settings.SESSION_COOKIE_NAME not in voter.cookies
    voter.get(reverse("comparisons:home"))
    assert voter.get(reverse("comparisons:home"))["X-Page-Cache"] == "hit"


def test_a_pair_without_a_common_video_tier_still_plays_both_clips_at_one_size(db):
    _, generations = make_grid(models=2, prompts=1)
    standard = generations[0].assets.get(tier=VideoAsset.Tier.STANDARD)
    VideoAsset.objects.filter(pk=standard.pk).update(tier=VideoAsset.Tier.PREVIEW)
    client = Client()
    data = client.get(reverse("arena:pair")).json()
    urls = [data[side]["sources"]["standard"] for side in ("left", "right")]
    sizes = {len(_body(client.get(url))) for url in urls}
    assert len(sizes) == 1


def test_votes_on_public_clips_follow_the_one_public_rule(db):
    # Generation.public's rule: a run's published comparison, or a published comparison that
    # shows the clip.
    public = VoteFactory()
    hidden = VoteFactory(generation_a__comparison__published=False)
    hidden_run = RunFactory(prompt=PromptFactory())
    shown_elsewhere = VoteFactory(
        generation_a__run=hidden_run, generation_a__comparison__published=False
    )
    Comparison.objects.filter(generations=public.generation_a).get().generations.add(
        shown_elsewhere.generation_a, shown_elsewhere.generation_b
    )
    on_public = set(Vote.objects.on_public_clips().values_list("pk", flat=True))
    assert on_public == {public.pk, shown_elsewhere.pk}
    assert hidden.pk not in on_public
