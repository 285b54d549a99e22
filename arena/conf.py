"""Arena settings with their defaults. Each is read at call time, so tests can override them.

Set any of these in the Django settings to change it:

- ``ARENA_SALT``: secret for hashing session keys and IPs (default: derived from SECRET_KEY).
- ``ARENA_TOKEN_MAX_AGE``: seconds a pair token stays valid (default 900).
- ``ARENA_RATE_LIMIT_SESSION`` / ``ARENA_RATE_LIMIT_IP``: (votes, seconds) allowed per session /
  per IP in a sliding window (defaults (20, 60) and (120, 60)).
- ``ARENA_REFRESH_DELAY``: seconds after the first vote since the last refresh that the ratings
  are refitted (debounced: one refit per window however many votes arrive; default 60; 0 leaves
  refits to the beat schedule alone).
- ``ARENA_MIN_WATCH_SHARE``: share of each clip's length the player must report as played, and
  the server must have seen pass since the pair was handed out, for a vote to count (default
  0.75; 0 turns the gate off). A quicker vote is stored, not counted.
- ``ARENA_SCREEN_WINDOW``: seconds of one screening window per voter and per address (default
  86400); ``ARENA_SCREEN_MIN_VOTES``: decisive votes a window needs before it is judged (default
  8); ``ARENA_SUSPICION_Z``: how many standard deviations less likely than an honest voter's a
  window's votes must be, under the current ratings, to be held for review (default 4.0).
- ``ARENA_EXPLORATION``: share of pairs drawn uniformly instead of by the fit's plan (default 0.1).
- ``ARENA_BOOTSTRAP_ROUNDS``: bootstrap resamples for the 95 % intervals (default 200).
- ``ARENA_PROVISIONAL_WIDTH``: a rating stays provisional while its interval is wider than
  this many points (default 100), or while it has fewer than ``ARENA_PROVISIONAL_MIN_VOTES``
  votes (default 20): a bootstrap of a handful of votes gives intervals too narrow to trust.
- ``ARENA_DISAGREEMENT_MIN_VOTES``: votes a model needs on a prompt before its disagreement
  with the metrics is shown (default 4).
- ``ARENA_SAMPLING_CACHE_SECONDS``: how long pair sampling may reuse the list of clips, the
  fits' pair plans and ratings, and each process its pairs and weights, which a thread then
  remakes while they serve (default 30; 0 reads them for every pair).
- ``ARENA_FIT_HISTORY_DAYS``: rating fits older than this are deleted at each refresh (default 90).
- ``ARENA_IP_HEADER``: the header our own proxy puts the client IP in, such as
  "X-Forwarded-For" (or its META key "HTTP_X_FORWARDED_FOR"; default: none, REMOTE_ADDR is used).

config/settings/base.py reads each of them from the environment variable of the same name.
"""

from django.conf import settings

DEFAULTS = {
    "ARENA_SALT": "",
    "ARENA_TOKEN_MAX_AGE": 900,
    "ARENA_RATE_LIMIT_SESSION": (20, 60),
    "ARENA_RATE_LIMIT_IP": (120, 60),
    "ARENA_REFRESH_DELAY": 60,
    "ARENA_MIN_WATCH_SHARE": 0.75,
    "ARENA_SCREEN_WINDOW": 86400,
    "ARENA_SCREEN_MIN_VOTES": 8,
    "ARENA_SUSPICION_Z": 4.0,
    "ARENA_EXPLORATION": 0.1,
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


def ip_header_key() -> str:
    """Return ARENA_IP_HEADER as a META key ("X-Forwarded-For" -> "HTTP_X_FORWARDED_FOR")."""
    header = get("ARENA_IP_HEADER").strip()
    if not header or header.startswith("HTTP_") or header == "REMOTE_ADDR":
        return header
    return "HTTP_" + header.upper().replace("-", "_")
