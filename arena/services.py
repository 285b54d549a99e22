"""Arena services: pick a blind pair, hand out its token, record a vote, void a voter, refresh
ratings, and the reads other pages use (current ratings, prompt-level disagreements).

A vote needs a pair token the server signed (TimestampSigner: it expires), bound to the voter's
session. The token's nonce is unique on the vote row, so a token records at most one vote even when
two requests race; the database, not the application, is the last word on "single use".
"""

import base64
import hashlib
import hmac
import json
import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from arena import conf
from arena.models import Pool, Rating, RatingFit, Vote
from arena.querysets import arena_clips
from arena.ratings import fit
from benchmarks.models import Generation, Prompt, QualityReport, VideoModel

TOKEN_SALT = "arena.pair-token"
CHOICES = ("left", "right", "tie", "both_bad")
#: How strongly sampling favours close ratings: pairs this many points apart get e^-1 the weight.
CLOSENESS_POINTS = 150.0
#: Weight a pair keeps however far apart its ratings are, so every pair still gets votes.
CLOSENESS_FLOOR = 0.2


class VoteRefused(Exception):
    """A vote we do not record, with the HTTP status that says why."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


# --- Voters -------------------------------------------------------------------------------------


def voter_hash(value: str) -> str:
    """Return the salted hash we store instead of a session key or an IP address."""
    return hmac.new(conf.salt().encode(), value.encode(), hashlib.sha256).hexdigest()


def client_ip(meta) -> str:
    """Return the client's IP from a request's META.

    Behind a proxy, set ARENA_IP_HEADER (say "HTTP_X_FORWARDED_FOR"): the right-most address is
    the one our own proxy saw, the only one a client cannot forge.
    """
    header = conf.get("ARENA_IP_HEADER")
    if header and meta.get(header):
        return meta[header].split(",")[-1].strip()
    return meta.get("REMOTE_ADDR", "")


# --- Pairs and tokens ---------------------------------------------------------------------------


def pool_of(capabilities: dict | None, reference_image: str) -> str:
    """Return the rating pool of a clip: i2v when its prompt has a first frame; audio when the
    model makes sound (a clip with sound is not judged against a silent one)."""
    audio = bool((capabilities or {}).get("audio"))
    if reference_image:
        return Pool.I2V_AUDIO if audio else Pool.I2V
    return Pool.T2V_AUDIO if audio else Pool.T2V


@dataclass
class Pair:
    """Two clips of one prompt from two models, as shown: `left` and `right`.

    The pair is in canonical order (`generation_a` has the lower id); the models, prompt, pool
    and category travel in the signed token, so recording a vote reads no clip.
    """

    generation_a: int
    generation_b: int
    model_a: int
    model_b: int
    prompt: int
    category: str
    pool: str
    a_on_left: bool
    token: str = ""
    left: Generation | None = field(default=None, repr=False)
    right: Generation | None = field(default=None, repr=False)

    @property
    def left_id(self) -> int:
        return self.generation_a if self.a_on_left else self.generation_b

    @property
    def right_id(self) -> int:
        return self.generation_b if self.a_on_left else self.generation_a


#: A clip pair before a side is chosen: (generation a, generation b, model a, model b, prompt,
#: category), generation a having the lower id.
ClipPair = tuple[int, int, int, int, int, str]


def _candidates(pool: str | None, voted: set[tuple[int, int]]):
    """Return {(pool, model x, model y): [ClipPair, ...]} of pairs not yet voted on.

    Clips are paired within one prompt, one pool, and one side of the synthetic line: a
    "synthetic demo" badge on one clip only would give the models away.
    """
    groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    rows = _cached("clips", lambda: list(arena_clips().eligible().pair_rows()))
    for pk, model_id, synthetic, caps, prompt_id, category, image in rows:
        clip_pool = pool_of(caps, image)
        if pool is None or clip_pool == pool:
            groups[(prompt_id, category, clip_pool, synthetic)].append((pk, model_id))
    candidates: dict[tuple[str, int, int], list[ClipPair]] = defaultdict(list)
    for (prompt_id, category, clip_pool, _synthetic), clips in groups.items():
        clips.sort()
        for i, (ga, ma) in enumerate(clips):
            for gb, mb in clips[i + 1 :]:
                if ma != mb and (ga, gb) not in voted:
                    key = (clip_pool, min(ma, mb), max(ma, mb))
                    candidates[key].append((ga, gb, ma, mb, prompt_id, category))
    return candidates


def _cached(name: str, compute):
    """Return `compute()`, kept ARENA_SAMPLING_CACHE_SECONDS in the cache.

    What every visitor's sampling reads (the clips, vote counts per pair, ratings) changes
    slowly and may be a little stale; what this voter already voted on is always read live.
    """
    seconds = conf.get("ARENA_SAMPLING_CACHE_SECONDS")
    if not seconds:
        return compute()
    key = f"arena:sampling:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def sampling_cache_clear() -> None:
    """Forget what pair sampling cached (the clips, pair counts, ratings and model names)."""
    names = ("clips", "counts", "ratings", "names")
    cache.delete_many([f"arena:sampling:{name}" for name in names])


def _pair_weight(votes: int, rating_x: float | None, rating_y: float | None) -> float:
    """Favour model pairs with few votes and close ratings (unrated pairs count as close)."""
    gap = abs(rating_x - rating_y) if rating_x is not None and rating_y is not None else 0.0
    return (CLOSENESS_FLOOR + math.exp(-((gap / CLOSENESS_POINTS) ** 2))) / (1 + votes)


def pair_sample(*, voter: str, pool: str | None = None, rng=None) -> Pair | None:
    """Return a pair of clips `voter` has not voted on, or None when there is none.

    First a model pair is drawn, weighted by `_pair_weight` (so every model pair gets votes, not
    only the ones with the most clips), then one of its clip pairs uniformly, then a side.
    """
    rng = rng or random.SystemRandom()
    candidates = _candidates(pool, Vote.objects.of_voter(voter).pairs())
    if not candidates:
        return None
    counts = _cached("counts", Vote.objects.counted().model_pair_counts)
    ratings = pool_ratings()
    keys = list(candidates)
    weights = [
        _pair_weight(
            counts.get(key, 0),
            ratings.get((key[0], key[1])),
            ratings.get((key[0], key[2])),
        )
        for key in keys
    ]
    key = rng.choices(keys, weights=weights)[0]
    ga, gb, ma, mb, prompt_id, category = rng.choice(candidates[key])
    return Pair(ga, gb, ma, mb, prompt_id, category, pool=key[0], a_on_left=rng.random() < 0.5)


class SealedJSONSerializer:
    """Serialize a token's payload as JSON encrypted with a key derived from SECRET_KEY.

    TimestampSigner makes the token tamper-proof and expiring, not secret: its payload is only
    base64. The payload names the models and which one is on the left, so it is sealed (Fernet:
    AES with its own MAC) to keep the pair blind to anyone who decodes the token.
    """

    @staticmethod
    def _fernet() -> Fernet:
        secret = f"{TOKEN_SALT}:{settings.SECRET_KEY}".encode()
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret).digest()))

    def dumps(self, obj) -> bytes:
        return self._fernet().encrypt(json.dumps(obj, separators=(",", ":")).encode())

    def loads(self, data: bytes):
        return json.loads(self._fernet().decrypt(data))


def pair_token_issue(*, pair: Pair, voter: str) -> str:
    """Sign a single-use token for `pair`, valid for ARENA_TOKEN_MAX_AGE seconds, for `voter`."""
    payload = [
        pair.generation_a, pair.generation_b, pair.model_a, pair.model_b, pair.prompt,
        pair.category, pair.pool, int(pair.a_on_left), secrets.token_hex(16), voter[:32],
    ]  # fmt: skip
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    pair.token = signer.sign_object(payload, serializer=SealedJSONSerializer)
    return pair.token


@dataclass(frozen=True)
class PairClaim:
    """What a verified token says: the pair as shown, and its single-use nonce."""

    pair: Pair
    nonce: str


def pair_token_verify(token: str, *, voter: str) -> PairClaim:
    """Return what `token` claims; raise VoteRefused if forged, expired or not `voter`'s."""
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    forged = VoteRefused("This pair token is not one we issued.", status=400)
    try:
        data = signer.unsign_object(
            token or "", serializer=SealedJSONSerializer, max_age=conf.get("ARENA_TOKEN_MAX_AGE")
        )
    except signing.SignatureExpired as exc:
        raise VoteRefused("This pair has expired: load a new one.", status=410) from exc
    except (signing.BadSignature, InvalidToken, ValueError, TypeError) as exc:
        raise forged from exc
    if not isinstance(data, list) or len(data) != 10:
        raise forged
    ga, gb, ma, mb, prompt, category, pool, a_on_left, nonce, owner = data
    if not hmac.compare_digest(str(owner), voter[:32]):
        raise VoteRefused("This pair token was issued to another session.", status=403)
    pair = Pair(ga, gb, ma, mb, prompt, category, pool=pool, a_on_left=bool(a_on_left))
    return PairClaim(pair=pair, nonce=str(nonce))


# --- Votes --------------------------------------------------------------------------------------


def _refusal_for(exc: IntegrityError) -> VoteRefused:
    """Return the refusal an IntegrityError on a vote INSERT stands for."""
    diag = getattr(exc.__cause__, "diag", None)
    # PostgreSQL names the constraint; SQLite (the embedded default) only says it in words.
    name = getattr(diag, "constraint_name", None) or str(exc)
    if "nonce" in name:
        return VoteRefused("This pair token was already used.", status=409)
    if "vote_once_per_pair" in name or "voter_hash" in name:
        return VoteRefused("You already voted on this pair.", status=409)
    # A foreign key: one of the clips (or its model or prompt) was deleted since.
    return VoteRefused("One of these clips is gone: load a new pair.", status=410)


def vote_record(*, token: str, choice: str, voter: str, ip: str) -> Vote:
    """Record one blind vote, or raise VoteRefused and record nothing.

    `voter` and `ip` are already hashed (voter_hash). The token says which pair was shown; the
    unique constraints on its nonce and on (voter, pair) make it single use, even when two
    identical requests race. A vote costs one read (the rate limits) and one INSERT.
    """
    if choice not in CHOICES:
        raise VoteRefused("Pick left, right, tie or both bad.", status=400)
    claim = pair_token_verify(token, voter=voter)
    _rate_limits_check(voter=voter, ip=ip)
    outcome = _outcome_of(choice, a_on_left=claim.pair.a_on_left)
    vote = _vote_insert(claim=claim, outcome=outcome, voter=voter, ip=ip)
    _refresh_if_due(vote)
    return vote


def _rate_limits_check(*, voter: str, ip: str) -> None:
    """Raise VoteRefused when `voter` or `ip` has used up its votes for the current window."""
    (voter_limit, voter_seconds), (ip_limit, ip_seconds) = (
        conf.get("ARENA_RATE_LIMIT_SESSION"), conf.get("ARENA_RATE_LIMIT_IP"),
    )  # fmt: skip
    by_voter, by_ip = Vote.objects.recent_counts(
        voter=voter, voter_seconds=voter_seconds, ip=ip, ip_seconds=ip_seconds
    )
    if by_voter >= voter_limit:
        raise VoteRefused("Too many votes from this session: wait a minute.", status=429)
    if by_ip >= ip_limit:
        raise VoteRefused("Too many votes from this network address: wait a minute.", status=429)


def _outcome_of(choice: str, *, a_on_left: bool) -> str:
    """Return the stored outcome of a choice as seen: left and right become A or B."""
    left_won = {"left": True, "right": False}.get(choice)
    if left_won is None:
        return choice
    return Vote.Outcome.A if left_won == a_on_left else Vote.Outcome.B


def _vote_insert(*, claim: PairClaim, outcome: str, voter: str, ip: str) -> Vote:
    """INSERT the vote `claim` stands for; raise VoteRefused if a constraint refuses it."""
    pair = claim.pair
    try:
        with transaction.atomic():
            return Vote.objects.create(
                generation_a_id=pair.generation_a,
                generation_b_id=pair.generation_b,
                model_a_id=pair.model_a,
                model_b_id=pair.model_b,
                prompt_id=pair.prompt,
                pool=pair.pool,
                category=pair.category,
                outcome=outcome,
                a_on_left=pair.a_on_left,
                nonce=claim.nonce,
                voter_hash=voter,
                ip_hash=ip,
            )
    except IntegrityError as exc:
        raise _refusal_for(exc) from exc


def _refresh_if_due(vote: Vote) -> None:
    """Queue a rating refresh, on commit, after every ARENA_REFRESH_EVERY votes."""
    every = conf.get("ARENA_REFRESH_EVERY")
    if every and vote.pk % every == 0:
        # Ids are unique, so exactly one vote in every N queues the refresh, with no counter.
        # Robust: a broker hiccup is logged, it never turns a recorded vote into a 500.
        from arena.tasks import refresh_ratings

        transaction.on_commit(refresh_ratings.delay, robust=True)


def voter_void(*, voters=(), ips=(), by=None) -> int:
    """Void every vote of the given voter hashes and IP hashes; return how many were voided."""
    from arena.tasks import refresh_ratings

    with transaction.atomic():
        count = (
            Vote.objects.counted()
            .filter(Q(voter_hash__in=list(voters)) | Q(ip_hash__in=list(ips)))
            .update(voided=True, voided_at=timezone.now(), voided_by=by)
        )
        if count:
            transaction.on_commit(refresh_ratings.delay, robust=True)
    return count


# --- Ratings ------------------------------------------------------------------------------------


def ratings_refresh(*, rounds: int | None = None, seed: int | None = None) -> list[RatingFit]:
    """Fit every pool, overall and per prompt category, from all counted votes; store the fits.

    A pool or category that had a fit but has no counted vote left (all voided) gets an empty
    fit, so its old ratings stop being current. Fits older than ARENA_FIT_HISTORY_DAYS go.
    """
    rounds = conf.get("ARENA_BOOTSTRAP_ROUNDS") if rounds is None else rounds
    provisional = _provisional_rule()
    groups = _fit_groups()
    # Fit first, write after: the transaction stays short whatever the fitting costs.
    fitted = {key: fit(rows, rounds=rounds, seed=seed) for key, rows in sorted(groups.items())}
    now = timezone.now()
    with transaction.atomic():
        fits = [
            _fit_store(
                key,
                results,
                votes=len(groups[key]),
                rounds=rounds,
                now=now,
                provisional=provisional,
            )
            for key, results in fitted.items()
        ]
        _fit_history_prune(now=now)
    return fits


def _provisional_rule():
    """Return a test of one fit result: is its rating still provisional?"""
    width = conf.get("ARENA_PROVISIONAL_WIDTH")
    min_votes = conf.get("ARENA_PROVISIONAL_MIN_VOTES")
    return lambda result: result.width > width or result.votes < min_votes


def _fit_groups() -> dict[tuple[str, str], list[tuple[int, int, str]]]:
    """Return {(pool, category): [(model a, model b, outcome), ...]} of the counted votes.

    Category "" holds the whole pool. Every pool and category that has a fit gets a key, if
    only with no rows.
    """
    groups: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for pool, category, model_a, model_b, outcome in Vote.objects.counted().fit_rows():
        groups[(pool, "")].append((model_a, model_b, outcome))
        groups[(pool, category)].append((model_a, model_b, outcome))
    for key in RatingFit.objects.pools_and_categories():
        groups.setdefault(key, [])
    return groups


def _fit_store(key, results, *, votes: int, rounds: int, now, provisional) -> RatingFit:
    """Store one fit of (pool, category) `key` and its ratings; return the fit."""
    pool, category = key
    rating_fit = RatingFit.objects.create(
        pool=pool, category=category, computed_at=now,
        vote_count=votes, bootstrap_rounds=rounds,
    )  # fmt: skip
    Rating.objects.bulk_create(
        Rating(
            fit=rating_fit,
            video_model_id=r.model_id,
            rating=r.rating,
            lower=r.lower,
            upper=r.upper,
            votes=r.votes,
            wins=r.wins,
            rank=r.rank,
            rank_best=r.rank_best,
            rank_worst=r.rank_worst,
            provisional=provisional(r),
        )
        for r in results
    )
    return rating_fit


def _fit_history_prune(*, now) -> None:
    """Delete fits older than ARENA_FIT_HISTORY_DAYS before `now`."""
    # Keep a history (for trends) but not forever: a refresh every few minutes adds up.
    history = timedelta(days=conf.get("ARENA_FIT_HISTORY_DAYS"))
    RatingFit.objects.filter(computed_at__lt=now - history).delete()


def current_fit(*, pool: str, category: str | None = None) -> RatingFit | None:
    """Return the newest fit of a pool and category, or None before the first one."""
    return RatingFit.objects.of(pool, category).latest_first().first()


def current_ratings(*, pool: str, category: str | None = None) -> dict[int, Rating]:
    """Return {video model id: Rating} from the newest fit of `pool` (and `category`).

    A Rating has rating, lower, upper, plus, minus, votes, wins, win_rate, rank, rank_best,
    rank_worst, rank_spread and provisional; `templates/arena/_rating_cell.html` renders one.
    """
    rating_fit = current_fit(pool=pool, category=category)
    if rating_fit is None:
        return {}
    return {r.video_model_id: r for r in Rating.objects.of_fit(rating_fit)}


def current_ratings_for_mode(*, mode: str = "t2v", category: str | None = None):
    """Return {video model id: Rating} for text-to-video ("t2v") or image-to-video ("i2v").

    For a leaderboard filtered by mode only: a model makes sound or not, so it sits in exactly
    one of the mode's two pools (with and without audio) and the two merge without clashing.
    """
    silent, audio = (Pool.I2V, Pool.I2V_AUDIO) if mode == "i2v" else (Pool.T2V, Pool.T2V_AUDIO)
    return {
        **current_ratings(pool=silent, category=category),
        **current_ratings(pool=audio, category=category),
    }


def pool_ratings() -> dict[tuple[str, int], float]:
    """Return current_pool_ratings(), up to ARENA_SAMPLING_CACHE_SECONDS old."""
    return _cached("ratings", current_pool_ratings)


def model_names() -> dict[int, str]:
    """Return {video model id: display name}, up to ARENA_SAMPLING_CACHE_SECONDS old."""
    return _cached("names", lambda: dict(VideoModel.objects.values_list("pk", "display_name")))


def current_pool_ratings() -> dict[tuple[str, int], float]:
    """Return {(pool, model id): rating} from the newest overall fit of every pool, in 2 queries."""
    fits = RatingFit.objects.filter(category="").current()
    rows = Rating.objects.filter(fit__in=fits).values_list("fit__pool", "video_model_id", "rating")
    return {(pool, model_id): rating for pool, model_id, rating in rows}


# --- People against metrics ---------------------------------------------------------------------


@dataclass(frozen=True)
class DisagreementRow:
    """One model on one prompt: how people voted against how the metrics scored it."""

    model: object
    votes: int
    win_rate: float
    coherence: float
    people_rank: int
    metric_rank: int
    #: people_rank − metric_rank over (models − 1): −1 to 1; far from 0 means they disagree.
    gap: float

    @property
    def direction(self) -> str:
        if self.gap < 0:
            return "voted up, scored low"
        if self.gap > 0:
            return "scored high, voted down"
        return "agree"


def disagreements(prompt: Prompt, *, min_gap: float = 0.5) -> list[DisagreementRow]:
    """Return the models people and the coherence metric rank far apart on `prompt`.

    People's score is each model's win rate in the prompt's counted votes (ties half); the
    metric is its clips' mean temporal coherence. Both are ranked among the models that have
    both, with at least ARENA_DISAGREEMENT_MIN_VOTES votes; rows whose normalized rank gap is at
    least `min_gap` are returned, largest gap first.
    """
    wins, games = _prompt_wins(prompt)
    min_votes = conf.get("ARENA_DISAGREEMENT_MIN_VOTES")
    voted = {m for m, n in games.items() if n >= min_votes}
    coherence = _prompt_coherence(prompt, models=voted)
    models = sorted(set(coherence) & voted)
    if len(models) < 2:
        return []
    rate = {m: wins[m] / games[m] for m in models}
    metric = {m: sum(coherence[m]) / len(coherence[m]) for m in models}
    rows = _disagreement_rows(models, games=games, rate=rate, metric=metric)
    rows = [row for row in rows if abs(row.gap) >= min_gap]
    return sorted(rows, key=lambda row: (-abs(row.gap), row.model.display_name))


def _prompt_wins(prompt: Prompt) -> tuple[dict[int, float], dict[int, int]]:
    """Return ({model id: wins}, {model id: votes}) in the counted votes on `prompt`, ties half."""
    wins: dict[int, float] = defaultdict(float)
    games: dict[int, int] = defaultdict(int)
    for _pool, _cat, model_a, model_b, outcome in (
        Vote.objects.counted().of_prompt(prompt).fit_rows()
    ):
        score = {"a": 1.0, "b": 0.0}.get(outcome, 0.5)
        wins[model_a] += score
        wins[model_b] += 1.0 - score
        games[model_a] += 1
        games[model_b] += 1
    return wins, games


def _prompt_coherence(prompt: Prompt, *, models: set[int]) -> dict[int, list[float]]:
    """Return {model id: [mean coherence of each complete clip]} on `prompt`, for `models`."""
    coherence: dict[int, list[float]] = defaultdict(list)
    reports = QualityReport.objects.filter(
        generation__run__prompt=prompt,
        generation__state=Generation.State.COMPLETE,
        generation__video_model_id__in=models,
    ).values_list("generation__video_model_id", "mean_coherence")
    for model_id, value in reports:
        coherence[model_id].append(value)
    return coherence


def _disagreement_rows(models: list[int], *, games, rate, metric) -> list[DisagreementRow]:
    """Return a DisagreementRow for each of `models`, ranked by `rate` and by `metric`."""
    people_rank = _ranks(rate)
    metric_rank = _ranks(metric)
    names = VideoModel.objects.in_bulk(models)
    return [
        DisagreementRow(
            model=names[m],
            votes=games[m],
            win_rate=rate[m],
            coherence=metric[m],
            people_rank=people_rank[m],
            metric_rank=metric_rank[m],
            gap=(people_rank[m] - metric_rank[m]) / (len(models) - 1),
        )
        for m in models
    ]


def _ranks(scores: dict[int, float]) -> dict[int, int]:
    """Return 1-based ranks, best (highest) first; equal scores share the better rank."""
    ordered = sorted(scores.values(), reverse=True)
    return {m: ordered.index(v) + 1 for m, v in scores.items()}
