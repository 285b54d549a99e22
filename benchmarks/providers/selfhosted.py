"""What every plugin of a self-hosted video server shares: its endpoint, its submit error mapping,
and the computed cost of a clip.

A self-hosted plugin key ("comfyui", "openai-compatible") serves many catalog rows: each
VideoModel names a SelfHostedEndpoint (base URL, optional auth header, GPU price and count) and,
for ComfyUI, its workflow. `registry.plugin_for(model)` hands the plugin those values as a plain
`SelfHostedConfig`, so the hooks still never touch the database.

Cost of a clip = GPU-hours × the endpoint's price per GPU-hour. GPU-hours come from the GPU time
the server reports where it does, else from the wall time of the job at the server multiplied by
the endpoint's GPU count (the job holds the whole box while it runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from benchmarks.providers.base import BillingPolicy, Capabilities, GenerationRequest, PollResult
from benchmarks.providers.client import HttpProvider

GPU_TIME_REPORTED = "reported"
GPU_TIME_WALL = "wall"


class ConfigError(ValueError):
    """A catalog row can't drive its server; `field` names the row's field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SelfHostedConfig:
    """One catalog row's endpoint and model settings, as plain values."""

    base_url: str
    gpu_hour_price: Decimal
    gpu_count: int = 1
    auth_header: str = ""  # "Name: value", sent on every call; empty for none
    model_id: str = ""
    display_name: str = ""
    workflow: dict[str, Any] = field(default_factory=dict)
    capabilities: Capabilities = Capabilities()
    fps: int = 24


def computed_cost(
    config: SelfHostedConfig, *, gpu_seconds: float | None = None, wall_seconds: float | None = None
) -> tuple[Decimal | None, float | None, str]:
    """Return (cost in USD, GPU-seconds, source) for a job; (None, None, "") when nothing is known.

    Reported GPU time wins; wall time counts every GPU of the endpoint.
    """
    if gpu_seconds is not None and gpu_seconds >= 0:
        used, source = float(gpu_seconds), GPU_TIME_REPORTED
    elif wall_seconds is not None and wall_seconds >= 0:
        used, source = float(wall_seconds) * config.gpu_count, GPU_TIME_WALL
    else:
        return None, None, ""
    cost = Decimal(str(used)) / Decimal(3600) * config.gpu_hour_price
    return cost.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), used, source


class SelfHostedProvider(HttpProvider):
    """A plugin for a server staff run themselves; configured per catalog row."""

    self_hosted = True
    catalogued = False  # staff add one row per model on their endpoint
    # Our own GPUs run (and cost) whether the job succeeds or fails: a failed job counts the GPU
    # time computed from its poll, else its estimate.
    billing_policy = BillingPolicy.CHARGED_ON_ACCEPT
    provider_slug = "self-hosted"
    provider_name = "Self-hosted"

    def __init__(self, config: SelfHostedConfig | None = None):
        self.config = config
        if config is not None:
            # Instance attributes shadow the class defaults: one class, many configured rows.
            self.capabilities = config.capabilities
            self.model_id = config.model_id
            self.display_name = config.display_name or self.display_name

    def check_config(self) -> None:
        """Raise ConfigError naming what the catalog row lacks (run when staff save it)."""

    def refusal(self, request: GenerationRequest) -> str:
        """Refuse what the row's capabilities don't take, and any request to a row that can't
        drive its server (saved before a check existed, or its endpoint removed)."""
        if self.config is None:
            return f"{self._name()} has no self-hosted endpoint."
        try:
            self.check_config()
        except ConfigError as exc:
            return f"{self._name()}: {exc}"
        return super().refusal(request)

    def base_url(self) -> str:
        return self.config.base_url.rstrip("/") if self.config else ""

    def is_configured(self) -> bool:
        return self.config is not None and bool(self.config.base_url)

    def auth_headers(self) -> dict[str, str]:
        name, _, value = (self.config.auth_header if self.config else "").partition(":")
        return {name.strip(): value.strip()} if name.strip() else {}

    def computed(self, poll: PollResult, **seconds: float | None) -> PollResult:
        """Return `poll` with the job's computed cost and GPU time filled in."""
        if self.config is None:
            return poll
        cost, used, source = computed_cost(self.config, **seconds)
        if cost is None:
            return poll
        return replace(poll, actual_cost=cost, gpu_seconds=used, gpu_time_source=source)

    # -- SUBMIT ERROR MAPPING ------------------------------------------------------------------
    # The one place that says what a failed submit to a self-hosted server means (the shared
    # contract of benchmarks/providers/base.py, applied by `HttpProvider.send`/`parse_json`):
    # - connection refused / DNS / connect timeout: nothing reached the server → transient,
    #   the pipeline puts the generation back to QUEUED and Celery retries;
    # - the request went out and the answer doesn't prove a refusal (read timeout, reset, a 2xx
    #   that can't be read or has no job id, a 502/503/504 from a proxy in front of the server):
    #   `OutcomeUnknownError`; the pipeline then calls `find_job` (ComfyUI finds the prompt by
    #   the id we chose) or asks staff (needs_review, counted as possibly spent), never resubmits;
    # - 408/409/425/429/500: refused before acceptance → transient (after Retry-After if sent);
    #   other 4xx → permanent, with the server's reason.

    def submit_call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send the submit request and return its JSON body, failures mapped as above.

        Both self-hosted plugins submit only through here, so a change of contract touches
        this method alone.
        """
        return self.parse_json(self.send(method, path, **kwargs))

    def _name(self) -> str:
        return self.display_name or self.provider_name
