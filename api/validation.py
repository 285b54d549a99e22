"""Check a run submission before anything is stored; every problem is a 400 with its reason."""

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field, replace

from django.conf import settings

from benchmarks.models import Prompt, VideoModel
from benchmarks.models.prompts import MAX_SAMPLES, AudioSetting
from benchmarks.providers.base import CAMERA_MOVES, GenerationRequest, PermanentProviderError
from benchmarks.providers.registry import PLUGINS, plugin_for
from benchmarks.services.requests import RunSettings, closest_resolution

PROMPT_MAX = 2000
MAX_MODELS = 12
IDEMPOTENCY_KEY_MAX = 150
FIELDS = {
    "prompt",
    "prompt_slug",
    "negative_prompt",
    "models",
    "duration",
    "aspect_ratio",
    "seed",
    "reference_image",
    "end_image",
    "audio",
    "camera",
    "camera_text",
    "samples",
    "callback_url",
    "category",
}
#: Only a new prompt (given as text) takes these; a published prompt keeps its own.
NEW_PROMPT_ONLY = ("negative_prompt", "reference_image", "end_image", "category")
ASPECT_RATIO = re.compile(r"^\d{1,2}:\d{1,2}$")
IMAGE_DATA_URI = re.compile(r"^data:(image/(?:png|jpeg|webp));base64,(.*)$", re.DOTALL)
#: Magic numbers: the bytes must be the image type the data URI claims.
IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}


class ValidationFailed(Exception):
    """The body is not a run we can start. `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str], status: int = 400):
        self.errors = errors
        self.status = status
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass
class RunRequest:
    """A valid submission, with the rows it names loaded."""

    models: list[VideoModel]
    duration: int
    aspect_ratio: str
    prompt: Prompt | None = None  # an existing prompt, by slug
    text: str = ""  # or new prompt text
    negative_prompt: str = ""
    seed: int | None = None
    category: str = Prompt.Category.SCENE
    image: bytes = b""
    image_type: str = ""
    end_image: bytes = b""
    end_image_type: str = ""
    #: Generation settings as the run will store them (audio as an AudioSetting value).
    audio: str = ""
    camera: str = ""
    camera_text: str = ""
    samples: int = 1
    callback_url: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def body_hash(data: dict) -> str:
    """Return a hash of the body that ignores key order and whitespace."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_json(body: bytes) -> dict:
    """Return the JSON object in `body`, or raise ValidationFailed saying why it isn't one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValidationFailed({"body": "The body is not UTF-8."}) from None
    except (ValueError, RecursionError):
        raise ValidationFailed({"body": "The body is not valid JSON."}) from None
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "The body must be a JSON object."})
    return data


def clean_text(value, name: str, *, required: bool, max_length: int, min_length: int = 1) -> str:
    """Return `value` as text fit for the database, or raise ValidationFailed."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed({name: "Must be a string."})
    if "\x00" in value:
        raise ValidationFailed({name: "Must not contain NUL characters."})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed({name: "Must be valid Unicode (no lone surrogates)."}) from None
    stripped = value.strip()
    if len(stripped) < min_length and (required or value):
        raise ValidationFailed({name: f"Must be {min_length} to {max_length} characters."})
    if len(value) > max_length:
        raise ValidationFailed(
            {name: f"Must be {min_length} to {max_length} characters, not {len(value)}."}
        )
    return stripped


def clean_int(value, name: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed({name: "Must be an integer."})
    if not low <= value <= high:
        raise ValidationFailed({name: f"Must be between {low} and {high}."})
    return value


def validate_run(data: dict) -> RunRequest:
    """Check a run submission and return it with its rows loaded; raise ValidationFailed."""
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ValidationFailed({"body": f"Unknown fields: {', '.join(map(str, unknown))}."})
    prompt, text = _prompt(data)
    # A published prompt has its own negative prompt, images and category: only new text takes them.
    extra = [name for name in NEW_PROMPT_ONLY if name in data] if prompt is not None else []
    if extra:
        raise ValidationFailed(
            {extra[0]: f"`{extra[0]}` goes with `prompt` text, not with `prompt_slug`."}
        )
    category = _category(data)
    negative = clean_text(
        data.get("negative_prompt"), "negative_prompt", required=False, max_length=PROMPT_MAX
    )
    models = _models(data.get("models"))
    duration = clean_int(
        data.get("duration", prompt.duration if prompt else 5), "duration", low=1, high=60
    )
    aspect_ratio = _aspect_ratio(data, prompt)
    seed = data.get("seed")
    if seed is not None:  # None: the prompt's seed, or none
        seed = clean_int(seed, "seed", low=0, high=2**31 - 1)
    image, image_type = _image(data.get("reference_image"))
    end_image, end_image_type = _image(data.get("end_image"), "end_image")
    run = RunRequest(
        models=models,
        duration=duration,
        aspect_ratio=aspect_ratio,
        prompt=prompt,
        text=text,
        negative_prompt=negative,
        seed=seed,
        category=category,
        image=image,
        image_type=image_type,
        end_image=end_image,
        end_image_type=end_image_type,
        audio=_audio(data, prompt),
        camera=_camera(data, prompt),
        camera_text=clean_text(
            data.get("camera_text", prompt.camera_text if prompt else None),
            "camera_text",
            required=False,
            max_length=200,
        ),
        samples=clean_int(data.get("samples", 1), "samples", low=1, high=MAX_SAMPLES),
        callback_url=_callback_url(data.get("callback_url")),
    )
    _check_capabilities(models, _generation_request(run))
    return run


def _category(data: dict) -> str:
    """Return the category asked for, scene if none was."""
    category = data.get("category", Prompt.Category.SCENE)
    if category not in Prompt.Category.values:
        raise ValidationFailed({"category": f"Must be one of {', '.join(Prompt.Category.values)}."})
    return category


def _aspect_ratio(data: dict, prompt: Prompt | None) -> str:
    """Return the aspect ratio asked for, else the prompt's, else 16:9."""
    aspect_ratio = data.get("aspect_ratio", prompt.aspect_ratio if prompt else "16:9")
    if not isinstance(aspect_ratio, str) or not ASPECT_RATIO.match(aspect_ratio):
        raise ValidationFailed({"aspect_ratio": "Must look like 16:9."})
    return aspect_ratio


def _audio(data: dict, prompt: Prompt | None) -> str:
    """Return the sound asked for (true/false) as an AudioSetting, else the prompt's."""
    if "audio" not in data or data["audio"] is None:
        return prompt.audio if prompt else AudioSetting.DEFAULT
    if not isinstance(data["audio"], bool):
        raise ValidationFailed({"audio": "Must be true (with sound) or false (silent)."})
    return AudioSetting.ON if data["audio"] else AudioSetting.OFF


def _camera(data: dict, prompt: Prompt | None) -> str:
    """Return the camera move asked for, else the prompt's."""
    camera = data.get("camera", prompt.camera_motion if prompt else "")
    if camera is None:
        return ""
    if camera and camera not in CAMERA_MOVES:
        raise ValidationFailed({"camera": f"Must be one of {', '.join(CAMERA_MOVES)}."})
    return camera


def _callback_url(value) -> str:
    """Return the callback URL (empty if none was given), or raise ValidationFailed if refused."""
    if value is None:
        return ""
    from api.callbacks import CallbackUrlRefused, check_callback_url

    callback_url = clean_text(value, "callback_url", required=True, max_length=2000)
    try:
        check_callback_url(callback_url)
    except CallbackUrlRefused as exc:
        raise ValidationFailed({"callback_url": str(exc)}) from None
    return callback_url


def run_settings(run: RunRequest) -> RunSettings:
    """Return the generation settings the run will be started with."""
    return RunSettings(
        duration=run.duration,
        aspect_ratio=run.aspect_ratio,
        seed=run.seed if run.seed is not None else (run.prompt.seed if run.prompt else None),
        audio=run.audio,
        camera=run.camera,
        camera_text=run.camera_text,
        samples=run.samples,
    )


def _generation_request(run: RunRequest) -> GenerationRequest:
    """Return what each model's plugin is asked to accept for this run."""
    prompt = run.prompt
    return run_settings(run).request(
        text=run.text or prompt.text,
        negative_prompt=run.negative_prompt or (prompt.negative_prompt if prompt else ""),
        image=bool(run.image) or bool(prompt and prompt.reference_image),
        end_image=bool(run.end_image) or bool(prompt and prompt.end_image),
    )


def _prompt(data: dict) -> tuple[Prompt | None, str]:
    has_text, has_slug = "prompt" in data, "prompt_slug" in data
    if has_text == has_slug:
        raise ValidationFailed(
            {"prompt": "Give either `prompt` (the text) or `prompt_slug` (a published prompt)."}
        )
    if has_text:
        return None, clean_text(data["prompt"], "prompt", required=True, max_length=PROMPT_MAX)
    slug = clean_text(data["prompt_slug"], "prompt_slug", required=True, max_length=50)
    prompt = Prompt.objects.published().filter(slug=slug).first()
    if prompt is None:
        raise ValidationFailed({"prompt_slug": f"No published prompt has the slug {slug!r}."})
    return prompt, ""


def _models(value) -> list[VideoModel]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and 0 < len(v) <= 50 for v in value)
    ):
        raise ValidationFailed({"models": "Must be a non-empty list of model slugs."})
    if len(value) > MAX_MODELS:
        raise ValidationFailed({"models": f"At most {MAX_MODELS} models per run."})
    for slug in value:
        clean_text(slug, "models", required=True, max_length=50)
    slugs = list(dict.fromkeys(value))
    found = {m.slug: m for m in VideoModel.objects.with_provider().filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise ValidationFailed(
            {"models": f"Unknown models: {', '.join(unknown)}. GET /api/v1/models lists them."}
        )
    return [found[s] for s in slugs]


def _image(value, name: str = "reference_image") -> tuple[bytes, str]:
    if value is None:
        return b"", ""
    if not isinstance(value, str):
        raise ValidationFailed({name: "Must be a data URI string."})
    limit = settings.API_MAX_IMAGE_BYTES
    match = IMAGE_DATA_URI.match(value[:64]) and IMAGE_DATA_URI.match(value)
    if not match:
        raise ValidationFailed({name: "Must be a data URI: data:image/png|jpeg|webp;base64,..."})
    encoded = match.group(2)
    if len(encoded) > (limit + 2) // 3 * 4 + 4:
        raise ValidationFailed({name: f"The image is larger than the {limit // 1024**2} MB limit."})
    try:
        image = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed({name: "The image is not valid base64."}) from None
    if len(image) > limit:
        raise ValidationFailed({name: f"The image is larger than the {limit // 1024**2} MB limit."})
    content_type = match.group(1)
    if not image.startswith(IMAGE_MAGIC[content_type]):
        raise ValidationFailed({name: f"The bytes are not a {content_type} image."})
    return image, content_type


def _check_capabilities(models: list[VideoModel], request: GenerationRequest) -> None:
    problems = []
    for model in models:
        if model.is_retired:
            problems.append(f"{model} was retired; its past clips stay on the site.")
            continue
        if model.plugin_key not in PLUGINS:
            problems.append(f"{model} has no provider plugin installed.")
            continue
        # Checked at the resolution the model is sent (its nearest offered one), as run_start does.
        offered = (model.capabilities or {}).get("resolutions") or []
        sent = replace(request, resolution=closest_resolution(request.resolution, offered))
        try:
            plugin_for(model).validate(sent)
        except PermanentProviderError as exc:
            problems.append(exc.message)
    if problems:
        raise ValidationFailed({"models": " ".join(problems)})


def validate_idempotency_key(value: str | None) -> str:
    """Return the header's key (empty if absent) or raise ValidationFailed."""
    if value is None:
        return ""
    if not (0 < len(value) <= IDEMPOTENCY_KEY_MAX and value.isascii() and value.isprintable()):
        raise ValidationFailed(
            {"Idempotency-Key": f"Must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters."}
        )
    return value
