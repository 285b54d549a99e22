"""Turn a generation row into the provider-neutral request its plugin receives."""

import base64
import mimetypes

from django.conf import settings
from django.urls import reverse

from benchmarks.models import BenchmarkRun, Generation, VideoModel
from benchmarks.providers.base import GenerationRequest, stable_seed


def generation_request(generation: Generation) -> GenerationRequest:
    """Return the request for `generation`, from its run's settings and prompt."""
    return run_request(
        generation.run,
        generation.video_model,
        image_url=_image_data_uri(generation.run.prompt.reference_image),
        callback_url=_callback_url(generation),
        reference=str(generation.reference),
    )


def run_request(run: BenchmarkRun, model: VideoModel, **extra) -> GenerationRequest:
    """Return the request `model` is sent for `run` (saved or not): the one home of its settings.

    What the plugin validates, what the estimate prices and what is sent all come from here, so
    a run is checked and priced at the resolution, duration and options actually sent. `extra`
    fills the per-generation fields (the inlined image, callback URL, reference); without an
    image the request still says image-to-video when the prompt has a first frame.
    """
    prompt = run.prompt
    caps = model.capabilities or {}
    seed = None
    if caps.get("seed"):
        seed = run.seed if run.seed is not None else stable_seed(prompt.slug, str(run.pk))
    fields = {
        "prompt": prompt.text,
        "negative_prompt": prompt.negative_prompt,
        "duration": run.duration,
        "aspect_ratio": run.aspect_ratio,
        "resolution": closest_resolution(run.resolution, caps.get("resolutions") or []),
        "seed": seed,
        "image_url": "data:" if prompt.reference_image else "",
    }
    return GenerationRequest(**{**fields, **{k: v for k, v in extra.items() if v is not None}})


def closest_resolution(wanted: str, offered: list[str]) -> str:
    """Return `wanted` if the model offers it, else the offered resolution nearest to it.

    Resolution is a property of the model, not of the prompt: a 768p-only model is compared at
    768p rather than refused. Duration and aspect ratio are the prompt's and stay strict.
    """
    if not offered or wanted in offered:
        return wanted
    return min(offered, key=lambda r: abs(_lines(r) - _lines(wanted)))


def _lines(resolution: str) -> int:
    digits = resolution.lower().removesuffix("p")
    return 2160 if digits == "4k" else int(digits) if digits.isdigit() else 720


def _image_data_uri(field_file) -> str | None:
    """Inline the reference image: providers can't reach a site on a private network."""
    if not field_file:
        return None
    content_type = mimetypes.guess_type(field_file.name)[0] or "image/png"
    with field_file.open("rb") as fh:
        encoded = base64.b64encode(fh.read()).decode()
    return f"data:{content_type};base64,{encoded}"


def _callback_url(generation: Generation) -> str:
    if not settings.WEBHOOK_BASE_URL:
        return ""
    path = reverse("benchmarks:webhook", kwargs={"plugin_key": generation.video_model.plugin_key})
    return f"{settings.WEBHOOK_BASE_URL}{path}"
