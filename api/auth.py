"""Bearer-token authentication for the JSON API."""

from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, hash_token

#: Don't write `last_used_at` on every request: once a minute is precise enough.
LAST_USED_RESOLUTION = 60


class AuthenticationFailed(Exception):
    """No token, or not one we know. The message tells the caller what to send."""


def authenticate(request) -> ApiToken:
    """Return the active token in the request's `Authorization: Bearer` header, or raise."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise AuthenticationFailed("Send your API token as `Authorization: Bearer <token>`.")
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        raise AuthenticationFailed("This is not a Lockstep API token.")
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    )
    if token is None:
        raise AuthenticationFailed("The token is unknown or revoked.")
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
