"""Arena pages: a blind pair to vote on, the vote itself, the reveal, and the arena leaderboard.

Every page works without JavaScript (the player aside): the vote is a plain form POST with the
CSRF token and the pair token, answered with a redirect to the reveal. `pair.json` and a vote
sent with `Accept: application/json` serve script clients (and the load test) the same way.
"""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from arena import charts, services
from arena.models import Pool, Rating, RatingFit, Vote
from arena.querysets import arena_clips
from benchmarks.models import Prompt
from comparisons.clips import Clip

SIDES = ("Left", "Right")


def _voter(request, *, create: bool) -> str | None:
    """Return the hashed voter id of this session, starting a session if `create`."""
    if request.session.session_key is None:
        if not create:
            return None
        request.session["arena"] = True
        request.session.save()
    return services.voter_hash(request.session.session_key)


def _ip(request) -> str:
    return services.voter_hash("ip:" + services.client_ip(request.META))


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _pool_param(request) -> str | None:
    pool = request.GET.get("pool", "")
    return pool if pool in Pool.values else None


#: What the player may know of a blind clip: its files and shape, never whose it is.
BLIND_KEYS = ("synthetic", "fps", "duration", "width", "height", "poster", "sources")


def _blind_clip(generation, side: str) -> dict:
    """Return the player's dict for a clip with everything that names the model left out."""
    data = Clip(generation).player_data()
    # A whitelist, so a key added to the player's contract later cannot unblind the arena.
    # Metrics are hidden too: a visitor should judge the clip, not its coherence curve.
    blind = {key: data[key] for key in BLIND_KEYS}
    return {**blind, "id": side.lower(), "label": side, "series": {}, "spikes": []}


def _sample(request, pool):
    """Return (pair, [left clip, right clip]) for this session, or (None, [])."""
    voter = _voter(request, create=True)
    for _attempt in range(2):
        pair = services.pair_sample(voter=voter, pool=pool)
        if pair is None:
            return None, []
        generations = arena_clips().with_outputs().in_bulk([pair.left_id, pair.right_id])
        if len(generations) == 2:
            break
        # A clip was deleted since sampling cached the list: forget the list and draw again.
        services.sampling_cache_clear()
    else:
        return None, []
    services.pair_token_issue(pair=pair, voter=voter)
    pair.left, pair.right = generations[pair.left_id], generations[pair.right_id]
    return pair, [_blind_clip(pair.left, SIDES[0]), _blind_clip(pair.right, SIDES[1])]


@require_GET
@never_cache
@ensure_csrf_cookie
def arena_page(request):
    """Show a blind pair in the synced player, with the four vote buttons."""
    pool = _pool_param(request)
    pair, clips = _sample(request, pool)
    return render(request, "arena/vote.html", {
        "section": "arena", "pair": pair, "clips": clips, "pool": pool, "pools": Pool.choices,
        "prompt": pair.left.run.prompt if pair else None,
    })  # fmt: skip


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
        return JsonResponse({"error": "No pair left to vote on."}, status=404)
    return JsonResponse(data)


@require_POST
@never_cache
def vote(request):
    """Record a vote from the form (or a script); refused votes get a 4xx and record nothing."""
    voter = _voter(request, create=False)
    try:
        if voter is None:
            raise services.VoteRefused("Voting needs a session: allow cookies.", status=403)
        recorded = services.vote_record(
            token=request.POST.get("token", ""),
            choice=request.POST.get("choice", ""),
            voter=voter,
            ip=_ip(request),
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
        "left": side(recorded.left_model_id),
        "right": side(recorded.right_model_id),
    }


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
    return render(request, "arena/reveal.html", {
        "section": "arena", "vote": recorded,
        "sides": [("Left", left, ratings.get(left.pk)), ("Right", right, ratings.get(right.pk))],
    })  # fmt: skip


class LeaderboardView(TemplateView):
    """Arena ratings of one pool: overall and per category, and rating against cost per clip."""

    template_name = "arena/leaderboard.html"

    def get_context_data(self, **kwargs):
        pool = _pool_param(self.request) or Pool.T2V
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
        numbers = arena_clips().eligible().in_mode(pool).model_numbers()
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
        return super().get_context_data(
            decisive=decisive, left_share=left / decisive if decisive else None,
            section="arena", pool=pool, pool_label=Pool(pool).label, pools=Pool.choices,
            category=category, all_categories=Prompt.Category.choices, categories=categories,
            fit=shown_fit, rows=rows, chart=charts.rating_vs_cost(ratings, costs), **kwargs,
        )  # fmt: skip
