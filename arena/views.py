"""Arena pages: a blind pair to vote on, its media, the vote itself, the reveal (with failure
tags), and the arena leaderboard.

Every page works without JavaScript (the player aside): the vote is a plain form POST with the
CSRF token and the pair token, answered with a redirect to the reveal. `pair.json` and a vote
sent with `Accept: application/json` serve script clients (and the load test) the same way.

Voters are known by a signed cookie of their own, not by a Django session: a session cookie
makes the page cache step aside (comparisons/cache.py), and every voter would lose it on every
public page.
"""

import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST, require_safe
from django.views.generic import TemplateView

from arena import conf, media, services
from arena.models import FailureTag, Pool, Rating, RatingFit, Vote
from benchmarks.models import Generation, Prompt
from comparisons import charts
from comparisons.clips import Clip

SIDES = ("Left", "Right")
VOTER_COOKIE = "lockstep_voter"
VOTER_SALT = "arena.voter-cookie"
VOTER_COOKIE_AGE = 365 * 24 * 3600


def _voter(request, *, create: bool) -> str | None:
    """Return the hashed voter id of this visitor, making a new one if `create`.

    A new id is set as a cookie by `_remember_voter` on the way out.
    """
    value = request.get_signed_cookie(VOTER_COOKIE, default=None, salt=VOTER_SALT)
    if value is None:
        value = getattr(request, "arena_new_voter", None)
    if value is None:
        if not create:
            return None
        value = request.arena_new_voter = secrets.token_urlsafe(24)
    return services.voter_hash(value)


def _remember_voter(request, response):
    """Set the voter cookie if this request made a new voter id."""
    value = getattr(request, "arena_new_voter", None)
    if value:
        response.set_signed_cookie(
            VOTER_COOKIE, value, salt=VOTER_SALT, max_age=VOTER_COOKIE_AGE, httponly=True,
            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
        )  # fmt: skip
    return response


def _ip(request) -> str:
    return services.voter_hash("ip:" + services.client_ip(request.META))


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _pool_param(request) -> str | None:
    pool = request.GET.get("pool", "")
    return pool if pool in Pool.values else None


def _blind_clips(pair, voter: str) -> list[dict]:
    """Return the player's dicts for the pair's two clips, with nothing that names a model.

    Built from a whitelist, so a key added to the player's contract later cannot unblind the
    arena. Files are the opaque, padded arena copies (arena/media.py); shape facts (fps,
    duration) are the pair's common ones, and the size is left to the video itself. Metrics are
    hidden too: a visitor should judge the clip, not its coherence curve.
    """
    left, right = Clip(pair.left).player_data(), Clip(pair.right).player_data()
    left_urls, right_urls = media.pair_media(
        {a.tier: a for a in pair.left.assets.all()},
        {a.tier: a for a in pair.right.assets.all()},
        voter=voter,
    )
    shape = {
        "synthetic": left["synthetic"],  # pairs never cross the synthetic line
        "fps": max(left["fps"], right["fps"]),
        "duration": max(left["duration"], right["duration"]),
        "width": 0,
        "height": 0,
        "series": {},
        "spikes": [],
    }
    return [
        {
            **shape,
            "id": side.lower(),
            "label": side,
            "poster": urls.pop("poster", ""),
            "sources": urls,
        }  # fmt: skip
        for side, urls in zip(SIDES, (left_urls, right_urls), strict=True)
    ]


def _sample(request, pool):
    """Return (pair, [left clip, right clip]) for this visitor, or (None, [])."""
    voter = _voter(request, create=True)
    for _attempt in range(2):
        pair = services.pair_sample(voter=voter, pool=pool)
        if pair is None:
            return None, []
        generations = Generation.objects.with_outputs().in_bulk([pair.left_id, pair.right_id])
        if len(generations) == 2:
            break
        # A clip was deleted since sampling cached the list: forget the list and draw again.
        services.sampling_cache_clear()
    else:
        return None, []
    pair.left, pair.right = generations[pair.left_id], generations[pair.right_id]
    clips = _blind_clips(pair, voter)
    # The clips play in lock step: watching both takes as long as the longer one.
    pair.needed = conf.get("ARENA_MIN_WATCH_SHARE") * clips[0]["duration"]
    services.pair_token_issue(pair=pair, voter=voter)
    return pair, clips


@require_GET
@never_cache
@ensure_csrf_cookie
def arena_page(request):
    """Show a blind pair in the synced player, with the four vote buttons."""
    pool = _pool_param(request)
    pair, clips = _sample(request, pool)
    response = render(request, "arena/vote.html", {
        "section": "arena", "pair": pair, "clips": clips, "pool": pool, "pools": Pool.choices,
        "prompt": pair.left.run.prompt if pair else None,
        "min_watch_percent": round(conf.get("ARENA_MIN_WATCH_SHARE") * 100),
    })  # fmt: skip
    return _remember_voter(request, response)


def _pair_data(request, pool) -> dict | None:
    """Return a blind pair and its token as a JSON-ready dict, or None if none is left."""
    pair, clips = _sample(request, pool)
    if pair is None:
        return None
    return {
        "token": pair.token, "pool": pair.pool, "prompt": pair.left.run.prompt.text,
        "left": clips[0], "right": clips[1],
    }  # fmt: skip


@require_GET
@never_cache
@ensure_csrf_cookie
def pair_json(request):
    """Return a blind pair and its token as JSON (404 when this session has voted on all)."""
    data = _pair_data(request, _pool_param(request))
    if data is None:
        response = JsonResponse({"error": "No pair left to vote on."}, status=404)
    else:
        response = JsonResponse(data)
    return _remember_voter(request, response)


@require_safe
def media_file(request, token: str):
    """Serve one file of a blind pair under its opaque URL (arena/media.py)."""
    return media.media_response(request, token, voter=_voter(request, create=False))


def _share(value: str) -> float | None:
    """Return a watched share the player reported (0 to 1), or None if absent or garbled."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        return None
    return min(max(share, 0.0), 1.0) if share == share else None  # NaN is not a share


@require_POST
@never_cache
def vote(request):
    """Record a vote from the form (or a script); refused votes get a 4xx and record nothing."""
    voter = _voter(request, create=False)
    try:
        if voter is None:
            raise services.VoteRefused("Voting needs a cookie: allow cookies.", status=403)
        recorded = services.vote_record(
            token=request.POST.get("token", ""),
            choice=request.POST.get("choice", ""),
            voter=voter,
            ip=_ip(request),
            watched=(
                _share(request.POST.get("watched_left")),
                _share(request.POST.get("watched_right")),
            ),
        )
    except services.VoteRefused as refused:
        if _wants_json(request):
            return JsonResponse({"error": refused.message}, status=refused.status)
        context = {"section": "arena", "message": refused.message}
        return render(request, "arena/refused.html", context, status=refused.status)
    if _wants_json(request):
        # A script client gets the names and, like the reveal page's "Next pair", the next pair.
        data = {**_reveal_data(recorded), "next": _pair_data(request, recorded.pool)}
        return JsonResponse(data, status=201)
    return redirect("arena:reveal", pk=recorded.pk)


def _reveal_data(recorded: Vote) -> dict:
    names, ratings = services.model_names(), services.pool_ratings()

    def side(model_id):
        rating = ratings.get((recorded.pool, model_id))
        return {"model": names.get(model_id, ""), "rating": rating and round(rating)}

    return {
        "vote": recorded.pk,
        "choice": recorded.choice,
        "counted": not recorded.voided,
        "reason": recorded.reason,
        "left": side(recorded.left_model_id),
        "right": side(recorded.right_model_id),
    }


@require_POST
@never_cache
def peek(request):
    """Show the names of a pair without voting; a vote on that pair will then not count."""
    voter = _voter(request, create=False)
    try:
        if voter is None:
            raise services.VoteRefused("This pair token was issued to another visitor.", 403)
        pair = services.pair_reveal(token=request.POST.get("token", ""), voter=voter)
    except services.VoteRefused as refused:
        context = {"section": "arena", "message": refused.message}
        return render(request, "arena/refused.html", context, status=refused.status)
    names = services.model_names()
    left, right = (pair.model_a, pair.model_b) if pair.a_on_left else (pair.model_b, pair.model_a)
    return render(request, "arena/peek.html", {
        "section": "arena", "pool": pair.pool,
        "sides": [("Left", names.get(left, "")), ("Right", names.get(right, ""))],
    })  # fmt: skip


def _refresh_note(recorded: Vote) -> str:
    """Return when the ratings will include `recorded`, in words."""
    if recorded.voided:
        return ""
    current = services.current_fit(pool=recorded.pool)
    if current and current.computed_at >= recorded.created_at:
        return "Your vote is in the current ratings."
    due = services.refresh_due()
    if due is None:
        return "The ratings are being refitted now; your vote will be in them within a minute."
    when = datetime.fromtimestamp(due, tz=UTC)
    return f"Your vote will be in the ratings from about {when:%H:%M} UTC."


@require_GET
@never_cache
def reveal(request, pk: int):
    """After the vote: which model was on which side, and their current ratings."""
    voter = _voter(request, create=False)
    if voter is None:
        raise Http404("No such vote.")
    recorded = get_object_or_404(
        Vote.objects.select_related("model_a__provider", "model_b__provider", "prompt"),
        pk=pk,
        voter_hash=voter,
    )
    ratings = services.current_ratings(pool=recorded.pool)
    left = recorded.model_a if recorded.a_on_left else recorded.model_b
    right = recorded.model_b if recorded.a_on_left else recorded.model_a
    tagged = {(t.video_model_id, t.kind) for t in recorded.tags.all()}
    return render(request, "arena/reveal.html", {
        "section": "arena", "vote": recorded, "refresh_note": _refresh_note(recorded),
        "sides": [("Left", left, ratings.get(left.pk)), ("Right", right, ratings.get(right.pk))],
        "kinds": [
            (side.lower(), [(k, label, (model.pk, k) in tagged) for k, label in
                            FailureTag.Kind.choices])
            for side, model in (("Left", left), ("Right", right))
        ],
    })  # fmt: skip


@require_POST
@never_cache
def tag(request, pk: int):
    """Store the failure tags a voter gave the clips of their vote, then show the reveal again."""
    voter = _voter(request, create=False)
    recorded = get_object_or_404(Vote, pk=pk, voter_hash=voter or "")
    services.failure_tags_record(
        vote=recorded, voter=voter,
        left=request.POST.getlist("left"), right=request.POST.getlist("right"),
    )  # fmt: skip
    if _wants_json(request):
        return JsonResponse({"tags": recorded.tags.count()}, status=201)
    return redirect("arena:reveal", pk=recorded.pk)


class LeaderboardView(TemplateView):
    """Arena ratings of one pool: overall and per category, and rating against cost per clip."""

    template_name = "arena/leaderboard.html"

    def get_context_data(self, **kwargs):
        pool = _pool_param(self.request) or services.default_pool()
        category = self.request.GET.get("category", "")
        category = category if category in Prompt.Category.values else ""
        fits = {f.category: f for f in RatingFit.objects.filter(pool=pool).current()}
        by_fit: dict[int, dict[int, Rating]] = {}
        for rating in Rating.objects.filter(fit__in=fits.values()).with_model():
            by_fit.setdefault(rating.fit_id, {})[rating.video_model_id] = rating
        shown_fit = fits.get(category)
        ratings = sorted(
            by_fit.get(shown_fit.pk, {}).values() if shown_fit else [],
            key=lambda r: (r.rank, r.video_model.display_name),
        )
        numbers = Generation.objects.arena_eligible().in_pool_mode(pool).model_numbers()
        costs = {m: n["cost"] for m, n in numbers.items() if n["cost"] is not None}
        categories = [(value, label) for value, label in Prompt.Category.choices if value in fits]
        rows = [
            {
                "rating": r,
                "cost": costs.get(r.video_model_id),
                "coherence": numbers.get(r.video_model_id, {}).get("coherence"),
                "by_category": [
                    by_fit.get(fits[value].pk, {}).get(r.video_model_id) for value, _ in categories
                ],
            }
            for r in ratings
        ]
        decisive, left = Vote.objects.counted().in_pool(pool).in_category(category).side_counts()
        rates = services.tag_rates(models=[r.video_model_id for r in ratings])
        tag_rows = [
            (r.video_model.display_name, rates[r.video_model_id][category])
            for r in ratings
            if category in rates.get(r.video_model_id, {})
        ]
        return super().get_context_data(
            decisive=decisive, left_share=left / decisive if decisive else None,
            section="arena", pool=pool, pool_label=Pool(pool).label, pools=Pool.choices,
            category=category, all_categories=Prompt.Category.choices, categories=categories,
            fit=shown_fit, rows=rows, chart=charts.rating_vs_cost(ratings, costs),
            tag_rows=tag_rows, kinds=FailureTag.Kind.choices, **kwargs,
        )  # fmt: skip
