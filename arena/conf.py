"""Arena settings with their defaults. Each is read at call time, so tests can override them.

Set any of these in the Django settings to change it:

- ``ARENA_SALT``: secret for hashing session keys and IPs (default: derived from SECRET_KEY).
- ``ARENA_TOKEN_MAX_AGE``: seconds a pair token stays valid (default 900).
- ``ARENA_RATE_LIMIT_SESSION`` / ``ARENA_RATE_LIMIT_IP``: (votes, seconds) allowed per session /
  per IP in a sliding window (defaults (20, 60) and (120, 60)).
- ``ARENA_REFRESH_EVERY``: queue a rating refresh after every N votes; 0 turns it off (default 50).
- ``ARENA_BOOTSTRAP_ROUNDS``: bootstrap resamples for the 95 % intervals (default 200).
- ``ARENA_PROVISIONAL_WIDTH``: a rating stays provisional while its interval is wider than
  this many points (default 100), or while it has fewer than ``ARENA_PROVISIONAL_MIN_VOTES``
  votes (default 20): a bootstrap of a handful of votes gives intervals too narrow to trust.
- ``ARENA_DISAGREEMENT_MIN_VOTES``: votes a model needs on a prompt before its disagreement
  with the metrics is shown (default 4).
- ``ARENA_SAMPLING_CACHE_SECONDS``: how long pair sampling may reuse the list of clips, the vote
  counts per pair and the ratings (default 30; 0 reads them for every pair).
- ``ARENA_FIT_HISTORY_DAYS``: rating fits older than this are deleted at each refresh (default 90).
- ``ARENA_IP_HEADER``: META key holding the client IP behind a proxy, such as
  "HTTP_X_FORWARDED_FOR" (default: none, REMOTE_ADDR is used).
"""

from django.conf import settings

DEFAULTS = {
    "ARENA_SALT": "",
    "ARENA_TOKEN_MAX_AGE": 900,
    "ARENA_RATE_LIMIT_SESSION": (20, 60),
    "ARENA_RATE_LIMIT_IP": (120, 60),
    "ARENA_REFRESH_EVERY": 50,
    "ARENA_BOOTSTRAP_ROUNDS": 200,
    "ARENA_PROVISIONAL_WIDTH": 100.0,
    "ARENA_PROVISIONAL_MIN_VOTES": 20,
    "ARENA_DISAGREEMENT_MIN_VOTES": 4,
    "ARENA_IP_HEADER": "",
    "ARENA_SAMPLING_CACHE_SECONDS": 30,
    "ARENA_FIT_HISTORY_DAYS": 90,
}


def get(name: str):
    """Return the arena setting `name`, or its default."""
    return getattr(settings, name, DEFAULTS[name])


def salt() -> str:
    """Return the secret salt for voter and IP hashes."""
    return get("ARENA_SALT") or f"arena-voter:{settings.SECRET_KEY}"
