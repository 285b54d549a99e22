"""Arena services: pick a blind pair, hand out its token, record a vote, screen and void votes,
refresh ratings, tag failures, and the reads other pages use (current ratings, tag rates,
prompt-level disagreements).

A vote needs a pair token the server signed (TimestampSigner: it expires), bound to the voter's
session. The token's nonce is unique on the vote row, so a token records at most one vote even when
two requests race; the database, not the application, is the last word on "single use".
"""

import base64
import hashlib
import hmac
import json
import logging
import random
import secrets
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import accumulate

import numpy as np
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from arena import conf, sampling, screening
from arena.models import FailureTag, Pool, Rating, RatingFit, TagTally, Vote
from arena.ratings import fit
from benchmarks.models import Generation, Prompt, QualityReport, VideoModel

logger = logging.getLogger(__name__)

TOKEN_SALT = "arena.pair-token"
CHOICES = ("left", "right", "tie", "both_bad")
#: Cache keys: a pair whose names were shown (by its nonce), and the pending refresh's due time.
REVEALED_KEY = "arena:revealed:{nonce}"
REFRESH_KEY = "arena:refresh-due"


class VoteRefused(Exception):
    """A vote we do not record, with the HTTP status that says why."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


# --- Voters -------------------------------------------------------------------------------------


def voter_hash(value: str) -> str:
    """Return the salted hash we store instead of a session key or an IP address."""
    return hmac.new(conf.salt().encode(), value.encode(), hashlib.sha256).hexdigest()


def export_voter_hash(stored: str) -> str:
    """Return the voter column of the open votes export: the stored hash, salted once more.

    It groups one voter's votes in the export and matches nothing else we store or send.
    """
    return hmac.new(conf.salt().encode(), f"export:{stored}".encode(), "sha256").hexdigest()[:20]


def client_ip(meta) -> str:
    """Return the client's IP from a request's META.

    Behind a proxy, set ARENA_IP_HEADER (say "X-Forwarded-For"): the right-most address is
    the one our own proxy saw, the only one a client cannot forge.
    """
    header = conf.ip_header_key()
    if header and meta.get(header):
        return meta[header].split(",")[-1].strip()
    return meta.get("REMOTE_ADDR", "")


# --- Pairs and tokens ---------------------------------------------------------------------------


def pool_of(has_audio: bool | None, reference_image: str) -> str:
    """Return the rating pool of a clip: i2v when its prompt has a first frame; audio when the
    clip's file has an audio track, as probed (a clip with sound is not judged against a silent
    one; what the model could do does not matter, only what this clip is)."""
    audio = bool(has_audio)
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
    #: Seconds the pair must be on screen before a vote counts (a share of the longer clip).
    needed: float = 0.0
    #: When the token was handed out (UNIX time).
    issued: float = 0.0
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
#: Model pairs drawn for a voter before listing what is left (a voter who voted on most pairs).
DRAW_TRIES = 20


@dataclass
class _Draw:
    """The pairs one pool (or all) offers, shared by every request until the cache expires.

    Clips are grouped by prompt, pool, side of the synthetic line (a "synthetic demo" badge on
    one clip only would give the models away) and request: the same duration, resolution,
    aspect ratio, camera move and end frame (a 10 s clip next to a 5 s one, or a portrait one
    next to a landscape one, compares the requests, not the models). Two models make a pair
    where they share a group; a model's samples are its clips in a group: they meet other
    models' clips, never each other.
    """

    #: (pool, model x, model y), x < y, of every two models that share a group.
    keys: list[tuple[str, int, int]]
    #: The draw weights of `keys` (sampling.pair_weights), accumulated for a bisecting draw.
    cum_weights: list[float]
    #: (prompt, category, pool) of each group.
    groups: list[tuple[int, str, str]]
    #: (pool, model) -> the groups it has clips in; (group, model) -> its clips there.
    groups_of: dict[tuple[str, int], set[int]]
    clips: dict[tuple[int, int], tuple[int, ...]]

    def clip_pairs(self, key: tuple[str, int, int]) -> list[ClipPair]:
        """Return the clip pairs of model pair `key`."""
        pool, x, y = key
        pairs = []
        for group in sorted(self.groups_of[(pool, x)] & self.groups_of[(pool, y)]):
            prompt_id, category, _pool = self.groups[group]
            for clip_x in self.clips[(group, x)]:
                for clip_y in self.clips[(group, y)]:
                    a, b = sorted(((clip_x, x), (clip_y, y)))
                    pairs.append((a[0], b[0], a[1], b[1], prompt_id, category))
        return pairs


#: Process-local: pool -> (the shared cache's stamp it was made under, or None when the shared
#: cache did not keep it; time.monotonic() when it was made; _Draw).
_draws: dict[str | None, tuple[str | None, float, _Draw]] = {}
DRAW_STAMP = "arena:sampling:stamp"
#: Pools whose draw a thread of this process is remaking now (one thread per pool at most).
_remaking: set[str | None] = set()
_remaking_lock = threading.Lock()


def _draw(pool: str | None) -> _Draw:
    """Return the pool's _Draw: made now if the process has none or the shared cache's stamp
    changed; remade in the background once it is ARENA_SAMPLING_CACHE_SECONDS old.

    sampling_cache_clear drops the stamp (clips deleted or taken back): every process then
    remakes its draw before drawing again. An old draw only misses what was published since, so
    it keeps serving while a thread remakes it: remaking reads every clip, seconds at 300 models
    and 200,000 clips, and a request waited that long in every process twice a minute. A shared
    cache that keeps nothing (a DummyCache) has no stamp to compare: the age alone counts.
    Drawing from a draw costs a bisection and a few set lookups.
    """
    seconds = conf.get("ARENA_SAMPLING_CACHE_SECONDS")
    stamp = cache.get(DRAW_STAMP) if seconds else None
    held = _draws.get(pool)
    if held and seconds and held[0] == stamp:
        if time.monotonic() - held[1] >= seconds:
            _draw_remake_soon(pool, stamp)
        return held[2]
    draw = _draw_make(pool)
    if seconds:
        if stamp is None:
            cache.add(DRAW_STAMP, secrets.token_hex(8), None)  # until sampling_cache_clear
            stamp = cache.get(DRAW_STAMP)  # another process may have set it first
        _draws[pool] = (stamp, time.monotonic(), draw)
    return draw


def _draw_remake_soon(pool: str | None, stamp: str | None) -> None:
    """Start remaking the pool's draw in a thread, unless one is at it already."""
    with _remaking_lock:
        if pool in _remaking:
            return
        _remaking.add(pool)
    thread = threading.Thread(target=_draw_remake, args=(pool, stamp), name=f"arena-draw-{pool}")
    thread.daemon = True
    thread.start()


def _draw_remake(pool: str | None, stamp: str | None) -> None:
    """Remake the pool's draw and keep it, unless the stamp changed meanwhile (then the next
    request makes its own)."""
    try:
        draw = _draw_make(pool)
        held = _draws.get(pool)
        if held is not None and held[0] == stamp:
            _draws[pool] = (stamp, time.monotonic(), draw)
    except Exception:
        logger.exception("arena: remaking the pair draw failed; the old one serves meanwhile")
    finally:
        connections.close_all()  # this thread's own
        with _remaking_lock:
            _remaking.discard(pool)


def _draw_make(pool: str | None) -> _Draw:
    """Return a new _Draw of `pool` (None: every pool) from the cached clips and plans."""
    index: dict[tuple, int] = {}
    groups: list[tuple[int, str, str]] = []
    groups_of: dict[tuple[str, int], set[int]] = defaultdict(set)
    clips: dict[tuple[int, int], list[int]] = defaultdict(list)
    rows = _cached("clips", lambda: list(Generation.objects.arena_eligible().arena_pair_rows()))
    for pk, model_id, synthetic, audio, prompt_id, category, image, *request in sorted(rows):
        clip_pool = pool_of(audio, image)
        if pool is not None and clip_pool != pool:
            continue
        key = (prompt_id, category, clip_pool, synthetic, _request_class(*request))
        group = index.setdefault(key, len(index))
        if group == len(groups):
            groups.append((prompt_id, category, clip_pool))
        clips[(group, model_id)].append(pk)
        groups_of[(clip_pool, model_id)].add(group)
    keys = []
    for each_pool in sorted({p for p, _m in groups_of}):
        models = sorted(m for p, m in groups_of if p == each_pool)
        groups_of_model = [groups_of[(each_pool, m)] for m in models]
        keys += [(each_pool, models[x], models[y]) for x, y in _sharing(groups_of_model)]
    weights = sampling.pair_weights(keys, pool_plans(), exploration=conf.get("ARENA_EXPLORATION"))
    # Tuples of ints: the garbage collector stops tracking them (200,000 lists at 100x were).
    clips_of = {key: tuple(pks) for key, pks in clips.items()}
    return _Draw(keys, list(accumulate(weights)), groups, dict(groups_of), clips_of)


def _sharing(groups_of_model: list[set[int]]) -> list[tuple[int, int]]:
    """Return (x, y), x < y, for every two models x and y whose sets of groups intersect.

    Pairs are listed group by group: a group of k models adds its k(k − 1)/2 pairs, and
    only those (a dense models × groups product was seconds at 300 models and 20,000 prompts).
    """
    entries = np.array(
        [(group, row) for row, groups in enumerate(groups_of_model) for group in groups],
        dtype=np.int64,
    ).reshape(-1, 2)
    entries = entries[np.lexsort((entries[:, 1], entries[:, 0]))]
    group, row = entries[:, 0], entries[:, 1]
    codes = []
    # Entries are sorted by group, then model: entry e and entry e + d share a group when their
    # groups are equal, and the first has the lower model.
    for d in range(1, len(entries)):
        same = group[d:] == group[:-d]
        if not same.any():
            break
        codes.append(row[:-d][same] * len(groups_of_model) + row[d:][same])
    shared = np.unique(np.concatenate(codes)) if codes else np.array([], dtype=np.int64)
    return [(int(c // len(groups_of_model)), int(c % len(groups_of_model))) for c in shared]


def _request_class(duration, resolution, aspect_ratio, camera, camera_text, end_image, imported):
    """Return what a clip was asked for, as far as it changes what a viewer compares.

    The run's settings, overridden by what an imported clip said it was made with. The seed is
    left out (samples differ by seed on purpose), and so is audio: the pool already follows
    whether the clip has a sound track.
    """
    made = {
        "duration": duration,
        "resolution": resolution,
        "aspect_ratio": aspect_ratio,
        "camera": camera,
        "camera_text": camera_text,
        "end_frame": bool(end_image),
    }
    if isinstance(imported, dict):
        made |= {name: value for name, value in imported.items() if name in made}
    made["duration"] = float(made["duration"] or 0)
    return tuple(made.values())


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
    """Forget what pair sampling cached (clips, plans, ratings, names; every process's draw)."""
    names = ("clips", "plans", "ratings", "names", "stamp")
    cache.delete_many([f"arena:sampling:{name}" for name in names])
    _draws.clear()


def pair_sample(*, voter: str, pool: str | None = None, rng=None) -> Pair | None:
    """Return a pair of clips `voter` has not voted on, or None when there is none.

    First a model pair is drawn by the current fits' plans (where a vote narrows the widest
    intervals most, arena/sampling.py; so every model pair gets its share, not the ones with the
    most clips or samples), then one of its clip pairs uniformly, then a side.
    """
    rng = rng or random.SystemRandom()
    draw = _draw(pool)
    if not draw.keys:
        return None
    voted = Vote.objects.of_voter(voter).pairs()
    # Redrawing a model pair whose clips this voter has all voted on is the same as drawing
    # among the pairs left, weights renormalised, without listing every pair per request.
    for _attempt in range(DRAW_TRIES):
        key = rng.choices(draw.keys, cum_weights=draw.cum_weights)[0]
        fresh = [c for c in draw.clip_pairs(key) if c[:2] not in voted]
        if fresh:
            break
    else:
        # This voter has voted on most of what the draw favours: list what is left.
        left = {key: [c for c in draw.clip_pairs(key) if c[:2] not in voted] for key in draw.keys}
        keys = [key for key, fresh in left.items() if fresh]
        if not keys:
            return None
        weights = sampling.pair_weights(
            keys, pool_plans(), exploration=conf.get("ARENA_EXPLORATION")
        )
        key = rng.choices(keys, weights=weights)[0]
        fresh = left[key]
    ga, gb, ma, mb, prompt_id, category = rng.choice(fresh)
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
    pair.issued = time.time()
    payload = [
        pair.generation_a, pair.generation_b, pair.model_a, pair.model_b, pair.prompt,
        pair.category, pair.pool, int(pair.a_on_left), secrets.token_hex(16), voter[:32],
        round(pair.needed, 3), round(pair.issued, 3),
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
    if not isinstance(data, list) or len(data) != 12:
        raise forged
    ga, gb, ma, mb, prompt, category, pool, a_on_left, nonce, owner, needed, issued = data
    if not hmac.compare_digest(str(owner), voter[:32]):
        raise VoteRefused("This pair token was issued to another session.", status=403)
    pair = Pair(
        ga, gb, ma, mb, prompt, category, pool=pool, a_on_left=bool(a_on_left),
        needed=float(needed), issued=float(issued),
    )  # fmt: skip
    return PairClaim(pair=pair, nonce=str(nonce))


def pair_reveal(*, token: str, voter: str) -> Pair:
    """Return the pair `token` names and remember that its names were shown before any vote.

    A vote cast with this token afterwards is stored but never counts (as in GenAI-Arena): its
    voter knew whose clips they were.
    """
    claim = pair_token_verify(token, voter=voter)
    cache.set(REVEALED_KEY.format(nonce=claim.nonce), True, conf.get("ARENA_TOKEN_MAX_AGE") + 60)
    return claim.pair


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


def vote_record(*, token: str, choice: str, voter: str, ip: str, watched=(None, None)) -> Vote:
    """Record one blind vote, or raise VoteRefused and record nothing.

    `voter` and `ip` are already hashed (voter_hash); `watched` is the share of the left and
    right clip the player reports as played (None: no report, as without JavaScript). The token
    says which pair was shown; the unique constraints on its nonce and on (voter, pair) make it
    single use, even when two identical requests race. A vote whose pair was revealed, or that
    came before both clips could have been watched, is stored but does not count.
    """
    if choice not in CHOICES:
        raise VoteRefused("Pick left, right, tie or both bad.", status=400)
    claim = pair_token_verify(token, voter=voter)
    outcome = _outcome_of(choice, a_on_left=claim.pair.a_on_left)
    seconds = max(time.time() - claim.pair.issued, 0.0)
    reason = _uncounted_reason(claim, watched=watched, seconds=seconds)
    vote = _vote_insert(
        claim=claim, outcome=outcome, voter=voter, ip=ip,
        fields={
            "voided": bool(reason), "reason": reason, "seconds_to_vote": round(seconds, 3),
            "watched_left": watched[0], "watched_right": watched[1],
        },
    )  # fmt: skip
    if not vote.voided:
        _refresh_soon()
    return vote


def _uncounted_reason(claim: PairClaim, *, watched, seconds: float) -> str:
    """Return why a vote on `claim` would not count, or "" if it counts."""
    if cache.get(REVEALED_KEY.format(nonce=claim.nonce)):
        return Vote.Reason.REVEALED
    share = conf.get("ARENA_MIN_WATCH_SHARE")
    if share <= 0:
        return Vote.Reason.COUNTED  # the gate is off
    # The player's report can be forged, the server's clock cannot: both must agree.
    played = all(w is not None and w >= share for w in watched)
    if not played or seconds < claim.pair.needed:
        return Vote.Reason.TOO_FAST
    return Vote.Reason.COUNTED


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


def _rate_limit_locks(*, voter: str, ip: str) -> None:
    """Hold, until the transaction ends, a lock per address and per voter (PostgreSQL).

    Counting recent votes and inserting one must be one step, or concurrent votes all see room
    left in the window and all go in. Advisory locks serialize exactly the votes that share an
    address or a voter; the address is always locked first, so two votes cannot deadlock.
    SQLite (the embedded default) allows one writer at a time and needs no lock.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for value in (ip, voter):
            key = int.from_bytes(hashlib.sha256(f"arena:{value}".encode()).digest()[:8], "big")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key - (1 << 63)])


def _vote_insert(*, claim: PairClaim, outcome: str, voter: str, ip: str, fields: dict) -> Vote:
    """Check the rate limits and INSERT the vote `claim` stands for, as one atomic step; raise
    VoteRefused if a limit or a constraint refuses it."""
    pair = claim.pair
    try:
        with transaction.atomic():
            _rate_limit_locks(voter=voter, ip=ip)
            _rate_limits_check(voter=voter, ip=ip)
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
                **fields,
            )
    except IntegrityError as exc:
        raise _refusal_for(exc) from exc


def _refresh_soon() -> None:
    """Queue a rating refresh ARENA_REFRESH_DELAY seconds from now, unless one is pending.

    Debounced: the first counted vote after a refresh queues the next one, and the votes that
    follow within the delay ride along, so a burst of votes costs one refit.
    """
    delay = conf.get("ARENA_REFRESH_DELAY")
    if not delay:
        return  # off: only the beat schedule refits
    due = time.time() + delay
    # add() is atomic in the shared cache: of concurrent votes, exactly one queues the task.
    if cache.add(REFRESH_KEY, due, timeout=delay + 5):
        from arena import tasks

        # Robust: a broker hiccup is logged, it never turns a recorded vote into a 500.
        tasks.ratings_refresh.apply_async_on_commit(countdown=delay, robust=True)


def refresh_due() -> float | None:
    """Return when (UNIX time) the pending rating refresh is due, or None if none is pending."""
    return cache.get(REFRESH_KEY)


def voter_void(*, voters=(), ips=(), by=None) -> int:
    """Void every vote of the given voter hashes and IP hashes; return how many were voided."""
    votes = Vote.objects.filter(Q(voter_hash__in=list(voters)) | Q(ip_hash__in=list(ips)))
    return votes_void(votes=votes, by=by)


def votes_void(*, votes, by=None) -> int:
    """Void `votes` (counted or held for review) as staff; return how many changed."""
    from arena import tasks

    with transaction.atomic():
        count = votes.filter(Q(voided=False) | Q(reason=Vote.Reason.SUSPICIOUS)).update(
            voided=True, reason=Vote.Reason.STAFF, voided_at=timezone.now(), voided_by=by
        )
        if count:
            tasks.ratings_refresh.apply_async_on_commit(robust=True)
    return count


def votes_restore(*, votes, by=None) -> int:
    """Count again the `votes` screening held or staff voided; screening never holds them again.

    Votes that were too fast or revealed stay uncounted: no review changes what the voter saw.
    """
    from arena import tasks

    with transaction.atomic():
        count = votes.filter(reason__in=(Vote.Reason.SUSPICIOUS, Vote.Reason.STAFF)).update(
            voided=False, reason=Vote.Reason.COUNTED, reviewed=True, voided_at=None, voided_by=by
        )
        if count:
            tasks.ratings_refresh.apply_async_on_commit(robust=True)
    return count


def votes_screen(*, now=None, ratings=None) -> int:
    """Hold for review the votes of every voter or address whose recent votes are too unlikely.

    Each voter hash and each IP hash is judged per ARENA_SCREEN_WINDOW (windows of the last two
    are screened) by arena/screening.py, under point ratings fitted from the counted votes
    ({(pool, model id): rating}, fitted here unless the caller has them already). The votes
    of a group scoring over ARENA_SUSPICION_Z stop counting (reason "suspicious") until staff
    void or restore them. Return how many votes were held.
    """
    now = now or timezone.now()
    window = conf.get("ARENA_SCREEN_WINDOW")
    since = now - timedelta(seconds=2 * window)
    rows = list(
        Vote.objects.screenable()
        .filter(created_at__gte=since)
        .values_list("pk", "voter_hash", "ip_hash", "created_at", "pool", "model_a_id",
                     "model_b_id", "outcome")
    )  # fmt: skip
    if not rows:
        return 0
    if ratings is None:
        ratings = _pool_ratings_of(
            {key: fit(group, rounds=0) for key, group in _fit_groups().items() if not key[1]}
        )
    grouped = []
    for pk, voter, ip, created, pool, model_a, model_b, outcome in rows:
        bucket = int(created.timestamp() // window)
        for group in (("voter", voter, bucket), ("ip", ip, bucket)):
            grouped.append((group, pool, model_a, model_b, outcome, pk))
    scores = screening.group_scores(
        [row[:5] for row in grouped], ratings, min_votes=conf.get("ARENA_SCREEN_MIN_VOTES")
    )
    threshold = conf.get("ARENA_SUSPICION_Z")
    worst: dict[int, float] = {}
    for group, *_rest, pk in grouped:
        z = scores.get(group)
        if z is not None and z > threshold:
            worst[pk] = max(worst.get(pk, z), z)
    by_score: dict[float, list[int]] = defaultdict(list)
    for pk, z in worst.items():
        by_score[round(z, 1)].append(pk)
    held = 0
    for z, pks in by_score.items():
        held += Vote.objects.filter(pk__in=pks, voided=False, reviewed=False).update(
            voided=True, reason=Vote.Reason.SUSPICIOUS, suspicion=z
        )
    return held


# --- Ratings ------------------------------------------------------------------------------------


def ratings_refresh(*, rounds: int | None = None, seed: int | None = None) -> list[RatingFit]:
    """Fit every pool, overall and per prompt category, from all counted votes; store the fits.

    A pool or category that had a fit but has no counted vote left (all voided) gets an empty
    fit, so its old ratings stop being current. Fits older than ARENA_FIT_HISTORY_DAYS go.
    """
    rounds = conf.get("ARENA_BOOTSTRAP_ROUNDS") if rounds is None else rounds
    provisional = _provisional_rule()
    # The refresh is about to run: votes cast from now on need the next one.
    cache.delete(REFRESH_KEY)
    # Fit first, write after: the transaction stays short whatever the fitting costs. Screening
    # judges votes by the very point ratings of these fits; only when it holds votes are the
    # votes read (a GROUP BY over all of them: seconds at a million) and fitted again.
    groups = _fit_groups()
    fitted = {key: fit(rows, rounds=rounds, seed=seed) for key, rows in sorted(groups.items())}
    if votes_screen(ratings=_pool_ratings_of(fitted)):
        groups = _fit_groups()
        fitted = {key: fit(rows, rounds=rounds, seed=seed) for key, rows in sorted(groups.items())}
    tags = FailureTag.objects.counted().kind_counts()
    # Only whole pools are drawn from; the plan is made here, once per fit, not per request.
    plans = {key: _pair_plan(fitted[key], groups[key]) for key in fitted if not key[1]}
    now = timezone.now()
    with transaction.atomic():
        fits = [
            _fit_store(
                key,
                results,
                votes=vote_count(groups[key]),
                rounds=rounds,
                now=now,
                provisional=provisional,
                plan=plans.get(key, []),
            )
            for key, results in fitted.items()
        ]
        _tag_tallies_store(groups, tags, now=now)
        _fit_history_prune(now=now)
    return fits


def _pool_ratings_of(fitted) -> dict[tuple[str, int], float]:
    """Return {(pool, model id): rating} of the whole-pool fits in {(pool, category): results}."""
    return {
        (pool, r.model_id): r.rating
        for (pool, category), results in fitted.items()
        if not category
        for r in results
    }


def _pair_plan(results, rows) -> list[list]:
    """Return sampling's plan for a fit of `rows`: [[model x, model y, share], ...]."""
    games = Counter()
    for a, b, _outcome, *votes in rows:  # a row is one vote, or `votes` of them (fit_counts)
        games[(min(a, b), max(a, b))] += votes[0] if votes else 1
    shares = sampling.plan({r.model_id: r.rating for r in results}, games)
    return [[x, y, share] for (x, y), share in sorted(shares.items())]


def _provisional_rule():
    """Return a test of one fit result: is its rating still provisional?"""
    width = conf.get("ARENA_PROVISIONAL_WIDTH")
    min_votes = conf.get("ARENA_PROVISIONAL_MIN_VOTES")
    return lambda result: result.width > width or result.votes < min_votes


def _fit_groups() -> dict[tuple[str, str], list[tuple[int, int, str]]]:
    """Return {(pool, category): [(model a, model b, outcome, votes), ...]} of the votes in
    ratings, counted per kind by the database (a fit reads kinds of vote, not votes).

    Category "" holds the whole pool. Every pool and category that has a fit gets a key, if
    only with no rows. `ratings.compress` orders the kinds, so refitting from the export
    (`manage.py refit_from_export`, one row per vote) adds the same numbers in the same order.
    """
    groups = fit_groups(Vote.objects.in_ratings().fit_counts())
    for key in RatingFit.objects.pools_and_categories():
        groups.setdefault(key, [])
    return groups


def fit_groups(rows) -> dict[tuple[str, str], list]:
    """Return {(pool, category): [(model a, model b, outcome[, votes]), ...]} of (pool,
    category, model a, model b, outcome[, votes]) rows; category "" holds the whole pool. A row
    without a number of votes is one vote. The export's refit uses it too.
    """
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for pool, category, *vote in rows:
        groups[(pool, "")].append(tuple(vote))
        groups[(pool, category)].append(tuple(vote))
    return groups


def vote_count(group) -> int:
    """Return the number of votes in one of `fit_groups`' groups."""
    return sum(row[3] if len(row) > 3 else 1 for row in group)


def _fit_store(key, results, *, votes: int, rounds: int, now, provisional, plan) -> RatingFit:
    """Store one fit of (pool, category) `key`, its ratings and its pair plan; return the fit."""
    pool, category = key
    rating_fit = RatingFit.objects.create(
        pool=pool, category=category, computed_at=now,
        vote_count=votes, bootstrap_rounds=rounds, pair_plan=plan,
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


def default_pool() -> str:
    """Return the pool the ratings page opens on: the one whose current fit has most votes."""
    fits = RatingFit.objects.filter(category="", vote_count__gt=0).current()
    best = fits.order_by("-vote_count", "pool").values_list("pool", flat=True).first()
    return best or Pool.T2V


def current_ratings(*, pool: str, category: str | None = None, model_ids=None) -> dict[int, Rating]:
    """Return {video model id: Rating} from the newest fit of `pool` (and `category`), of
    every model rated or of `model_ids` (a page of a leaderboard of 300).

    A Rating has rating, lower, upper, plus, minus, votes, wins, win_rate, rank, rank_best,
    rank_worst, rank_spread and provisional; `templates/arena/_rating_cell.html` renders one.
    """
    rating_fit = current_fit(pool=pool, category=category)
    if rating_fit is None:
        return {}
    ratings = Rating.objects.filter(fit=rating_fit)
    if model_ids is not None:
        ratings = ratings.of_models(model_ids)
    return {r.video_model_id: r for r in ratings}


def current_ratings_for_mode(*, mode: str = "t2v", category: str | None = None, model_ids=None):
    """Return {video model id: Rating} for text-to-video ("t2v") or image-to-video ("i2v"), of
    every model rated or of `model_ids`.

    For a leaderboard filtered by mode only. Pools follow each clip's audio track, so a model
    can be rated in both of a mode's pools (with and without audio): it is shown with the
    rating that rests on more votes.
    """
    silent, audio = (Pool.I2V, Pool.I2V_AUDIO) if mode == "i2v" else (Pool.T2V, Pool.T2V_AUDIO)
    merged = current_ratings(pool=silent, category=category, model_ids=model_ids)
    for model_id, rating in current_ratings(
        pool=audio, category=category, model_ids=model_ids
    ).items():
        if model_id not in merged or rating.votes > merged[model_id].votes:
            merged[model_id] = rating
    return merged


def pool_ratings() -> dict[tuple[str, int], float]:
    """Return current_pool_ratings(), up to ARENA_SAMPLING_CACHE_SECONDS old."""
    return _cached("ratings", current_pool_ratings)


def pool_plans() -> dict[str, sampling.Plan]:
    """Return {pool: its plan and the models it rated} of the newest overall fits, up to
    ARENA_SAMPLING_CACHE_SECONDS old."""

    def compute():
        fits = RatingFit.objects.filter(category="").current()
        rated = defaultdict(set)
        for pool, model_id in Rating.objects.filter(fit__in=fits).values_list(
            "fit__pool", "video_model_id"
        ):
            rated[pool].add(model_id)
        return {
            pool: sampling.Plan(
                models=frozenset(rated[pool]),
                shares={(x, y): share for x, y, share in pair_plan},
            )
            for pool, pair_plan in fits.values_list("pool", "pair_plan")
        }

    return _cached("plans", compute)


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


# --- Failure tags -------------------------------------------------------------------------------


def failure_tags_record(*, vote: Vote, voter: str, left=(), right=()) -> int:
    """Store what `voter` says went wrong in the left and right clip of their `vote`.

    Only the voter who cast the vote may tag it, once per clip and kind (repeats are ignored).
    Return how many tags were stored.
    """
    if not hmac.compare_digest(vote.voter_hash, voter):
        raise VoteRefused("Only the voter may tag this vote.", status=403)
    kinds = set(FailureTag.Kind.values)
    sides = ((vote.generation_a_id, vote.model_a_id), (vote.generation_b_id, vote.model_b_id))
    shown_left, shown_right = sides if vote.a_on_left else sides[::-1]
    tags = [
        FailureTag(vote=vote, generation_id=generation, video_model_id=model, kind=kind)
        for (generation, model), chosen in ((shown_left, left), (shown_right, right))
        for kind in sorted(set(chosen) & kinds)
    ]
    FailureTag.objects.bulk_create(tags, ignore_conflicts=True)
    if tags:
        _refresh_soon()  # the rates are counted with the ratings
    return len(tags)


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float] | None:
    """Return the Wilson score interval of a proportion (95 % by default); None without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * ((p * (1 - p) / trials + z * z / (4 * trials * trials)) ** 0.5) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class TagRate:
    """How often voters tagged one failure on one model's clips (in one prompt category)."""

    kind: str
    label: str
    tagged: int
    shown: int
    interval: tuple[float, float] | None

    @property
    def rate(self) -> float | None:
        return self.tagged / self.shown if self.shown else None


def tag_rates(*, models=None) -> dict[int, dict[str, list[TagRate]]]:
    """Return {model id: {category ("" for all): [TagRate per kind]}} as counted at the last
    ratings refit (TagTally), of every model or of `models` (models or ids).

    The denominator is how many counted votes showed a clip of the model (a clip can be tagged
    once per kind and vote), so a rate is "share of shown clips tagged with this failure".
    """
    tallies = TagTally.objects.all()
    if models is not None:
        tallies = tallies.of_models([getattr(m, "pk", m) for m in models])
    rates: dict[int, dict[str, list[TagRate]]] = defaultdict(dict)
    for tally in tallies.order_by("video_model", "category"):
        rates[tally.video_model_id][tally.category] = [
            TagRate(kind, label, tally.tagged.get(kind, 0), tally.shown,
                    wilson(tally.tagged.get(kind, 0), tally.shown))
            for kind, label in FailureTag.Kind.choices
        ]  # fmt: skip
    return dict(rates)


def _tag_tallies_store(groups, tags, *, now) -> None:
    """Replace every TagTally with the votes of the refit's `groups` ({(pool, category): rows},
    `_fit_groups`) and the (model, category, kind, tags) rows `tags` of those votes."""
    shown: Counter = Counter()
    for (_pool, category), rows in groups.items():  # category "" holds the whole pool
        for a, b, _outcome, *votes in rows:
            n = votes[0] if votes else 1
            shown[(a, category)] += n
            shown[(b, category)] += n
    tagged: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for model, category, kind, n in tags:
        tagged[(model, category)][kind] += n
        tagged[(model, "")][kind] += n
    TagTally.objects.all().delete()
    TagTally.objects.bulk_create(
        TagTally(video_model_id=model, category=category, shown=n,
                 tagged=dict(tagged.get((model, category), {})), computed_at=now)
        for (model, category), n in shown.items()
    )  # fmt: skip


def model_tag_rows(model) -> list[tuple[str, list[TagRate]]]:
    """Return the model page's tag table: ("All prompts", rates), then one row per category."""
    rates = tag_rates(models=[model]).get(model.pk, {})
    labels = dict(Prompt.Category.choices)
    return [
        ("All prompts" if not category else str(labels.get(category, category)).capitalize(),
         rates[category])
        for category in sorted(rates)
    ]  # fmt: skip
