"""API access: tokens, idempotency records, callback URLs of runs and every delivery attempt."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "lsk_"
SECRET_PREFIX = "whsec_"


def hash_token(raw: str) -> str:
    """Return the stored form of a token: tokens are 256 random bits, so SHA-256 is enough."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Return tokens that still authenticate: not revoked, owner active."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is kept; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    #: The first characters of the token, so people can tell their tokens apart.
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: Signs the callbacks of runs made with this token (Standard Webhooks, `whsec_...`).
    signing_secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Create a token for `user`; return it and the raw token, which is never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:12],
            key_hash=hash_token(raw),
            signing_secret=new_signing_secret(),
        )
        return token, raw


def new_signing_secret() -> str:
    """Return a Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    import base64

    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class IdempotencyRecord(models.Model):
    """An `Idempotency-Key` a user sent, the body it came with, and the run it made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=150)
    body_hash = models.CharField(max_length=64)
    run = models.ForeignKey(
        "benchmarks.BenchmarkRun", on_delete=models.CASCADE, related_name="idempotency_records"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class RunCallback(models.Model):
    """Where to POST when a run's generations and the run itself end."""

    run = models.OneToOneField(
        "benchmarks.BenchmarkRun", on_delete=models.CASCADE, related_name="callback"
    )
    url = models.URLField(max_length=2000)
    signing_secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Run #{self.run_id} → {self.url}"


class CallbackDeliveryQuerySet(models.QuerySet):
    def of_message(self, message_id: str):
        """Return every attempt at one message, first attempt first."""
        return self.filter(message_id=message_id).order_by("attempt")

    def recent(self):
        """Return attempts newest first, with their callback and run loaded."""
        return self.select_related("callback").order_by("-created_at")

    def counts_by_status(self):
        """Return (status, number of attempts) pairs, one per status that has any."""
        return self.values_list("status").annotate(n=models.Count("pk")).order_by()


class CallbackDelivery(models.Model):
    """One attempt to deliver one callback message; retries add rows with the same message id."""

    class Status(models.TextChoices):
        PENDING = "pending"  # queued, not tried yet
        SENDING = "sending"  # a worker claimed it
        DELIVERED = "delivered"  # the receiver answered 2xx
        FAILED = "failed"  # non-2xx or a network error; another attempt follows unless given up
        REFUSED = "refused"  # the URL is not allowed (SSRF rules): never retried
        GAVE_UP = "gave_up", "gave up"  # failed, and retries are exhausted

    callback = models.ForeignKey(RunCallback, on_delete=models.CASCADE, related_name="deliveries")
    #: The `webhook-id`: the same for every attempt at one message, so receivers can dedupe.
    message_id = models.CharField(max_length=64)
    event = models.CharField(max_length=40)
    attempt = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempted_at = models.DateTimeField(null=True, blank=True)

    objects = CallbackDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Also the index callback_deliver reads the attempts of one message with.
            models.UniqueConstraint(fields=["message_id", "attempt"], name="callback_attempt_once"),
        ]

    def __str__(self):
        return f"{self.event} #{self.attempt} → {self.status}"
