"""The generation settings of a run, and the provider-neutral request each plugin receives."""

import base64
import mimetypes
from dataclasses import asdict, dataclass, replace

from django.conf import settings
from django.urls import reverse

from benchmarks.models import BenchmarkRun, Generation, Prompt, PromptSuite, VideoModel
from benchmarks.models.prompts import audio_flag
from benchmarks.providers.base import GenerationRequest, stable_seed

SEED_MASK = 0x7FFFFFFF


@dataclass(frozen=True)
class RunSettings:
    """The settings every clip of a run is made with.

    They come from the prompt, then the suite (what it sets overrides the prompt), then the
    caller (admin action, API, `run_benchmark`). `audio` is an AudioSetting value.
    """

    duration: int = 5
    aspect_ratio: str = "16:9"
    seed: int | None = None
    audio: str = ""
    camera: str = ""
    camera_text: str = ""
    samples: int = 1

    @classmethod
    def of(cls, prompt: Prompt, suite: PromptSuite | None = None, **given) -> "RunSettings":
        """Return the prompt's settings, with the suite's and then `given` (None: not given)."""
        values = {
            "duration": prompt.duration,
            "aspect_ratio": prompt.aspect_ratio,
            "seed": prompt.seed,
            "audio": prompt.audio,
            "camera": prompt.camera_motion,
            "camera_text": prompt.camera_text,
        }
        if suite is not None:
            values["samples"] = suite.samples
            suite_values = {"seed": suite.seed, "audio": suite.audio, "camera": suite.camera_motion}
            values |= {k: v for k, v in suite_values.items() if v not in (None, "")}
        return cls(**(values | {k: v for k, v in given.items() if v is not None}))

    @classmethod
    def of_run(cls, run: BenchmarkRun) -> "RunSettings":
        """Return the settings `run` was started with."""
        return cls(
            duration=run.duration,
            aspect_ratio=run.aspect_ratio,
            seed=run.seed,
            audio=run.audio,
            camera=run.camera_motion,
            camera_text=run.camera_text,
            samples=run.samples,
        )

    def as_dict(self) -> dict:
        return asdict(self)

    def request(
        self,
        *,
        text: str,
        negative_prompt: str = "",
        image: bool = False,
        end_image: bool = False,
    ) -> GenerationRequest:
        """Return the request a model will be asked to accept (images as placeholders).

        Run checks and estimates read this: it has everything the plugin will send that
        changes what is allowed or what it costs (duration, audio, samples, ...). The resolution
        is the request's default; `run_request` moves it to the model's nearest offered one.
        """
        return GenerationRequest(
            prompt=text,
            negative_prompt=negative_prompt,
            duration=self.duration,
            aspect_ratio=self.aspect_ratio,
            seed=self.seed,
            image_url="data:" if image else "",
            end_image_url="data:" if end_image else "",
            audio=audio_flag(self.audio),
            camera=self.camera,
            camera_text=self.camera_text,
            samples=self.samples,
        )


def sample_seed(run: BenchmarkRun, sample: int) -> int:
    """Return the seed of sample `sample` of `run`: the run's seed (or one derived) plus k."""
    base = run.seed if run.seed is not None else stable_seed(run.prompt.slug, str(run.pk))
    return (base + sample) & SEED_MASK


def generation_request(generation: Generation) -> GenerationRequest:
    """Return the request for `generation`, from its run's settings and prompt."""
    run = generation.run
    seed = generation.seed
    if seed is None and (generation.video_model.capabilities or {}).get("seed"):
        seed = sample_seed(run, generation.sample)
    return run_request(
        run,
        generation.video_model,
        seed=seed,
        image_url=_image_data_uri(run.prompt.reference_image),
        end_image_url=_image_data_uri(run.end_image),
        callback_url=_callback_url(generation),
        reference=str(generation.reference),
    )


def run_request(run: BenchmarkRun, model: VideoModel, **extra) -> GenerationRequest:
    """Return the request `model` is sent for `run` (saved or not): the one home of its settings.

    What the plugin validates, what the estimate prices and what is sent all come from here, so
    a run is checked and priced at the resolution, duration and options actually sent. `extra`
    fills the per-generation fields (seed, the inlined images, callback URL, reference); without
    them the request still says image-to-video (or end frame) when the run has those images.
    """
    prompt = run.prompt
    caps = model.capabilities or {}
    request = RunSettings.of_run(run).request(
        text=prompt.text,
        negative_prompt=prompt.negative_prompt,
        image=bool(prompt.reference_image),
        end_image=bool(run.end_image),
    )
    # The run's seed stays in the request even for a model that takes none: the plugin's
    # `refusal` then refuses the run by name instead of the seed being dropped in silence.
    sent = {"resolution": closest_resolution(run.resolution, caps.get("resolutions") or [])}
    return replace(request, **sent | {k: v for k, v in extra.items() if v is not None})


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
    """Inline an image (None without one): providers can't reach a site on a private network."""
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
