"""The leaderboard's filters, from a query string; the model page's clip list takes them too."""

from dataclasses import dataclass

from django.db.models import Q

from benchmarks.models import Prompt
from benchmarks.providers.base import CAMERA_MOVES


@dataclass(frozen=True)
class ClipFilter:
    """The leaderboard's filters; the model page's clip list takes the same ones."""

    category: str = ""
    mode: str = ""  # "t2v" or "i2v"
    duration: int | None = None
    aspect_ratio: str = ""
    audio: str = ""  # "on" (asked with sound) or "off" (asked silent)
    end_frame: str = ""  # "with" or "without"
    camera: str = ""  # "move" (any camera setting), "none", or one move of CAMERA_MOVES

    MODES = {"t2v": "text to video", "i2v": "image to video"}
    AUDIO = {"on": "with audio", "off": "silent"}
    END_FRAME = {"with": "with end frame", "without": "without end frame"}
    CAMERA = {"move": "camera move", "none": "no camera move", **CAMERA_MOVES}

    @classmethod
    def from_query(cls, params) -> "ClipFilter":
        """Return the filter a query string asks for, ignoring values that make no sense."""
        category = params.get("category", "")
        mode = params.get("mode", "")
        aspect = params.get("aspect", "")
        duration = params.get("duration", "")
        return cls(
            category=category if category in Prompt.Category.values else "",
            mode=mode if mode in cls.MODES else "",
            duration=int(duration)
            if duration.isascii() and duration.isdigit() and 0 < int(duration) <= 60
            else None,
            aspect_ratio=aspect if aspect in Prompt.AspectRatio.values else "",
            audio=_choice(params, "audio", cls.AUDIO),
            end_frame=_choice(params, "end_frame", cls.END_FRAME),
            camera=_choice(params, "camera", cls.CAMERA),
        )

    def as_query(self) -> dict[str, str]:
        """Return the filter as query-string parameters (empty ones left out)."""
        values = {
            "category": self.category,
            "mode": self.mode,
            "duration": str(self.duration) if self.duration else "",
            "aspect": self.aspect_ratio,
            "audio": self.audio,
            "end_frame": self.end_frame,
            "camera": self.camera,
        }
        return {k: v for k, v in values.items() if v}

    def q(self, prefix: str = "") -> Q:
        """Return the filter as a Q over generations (`prefix` leads from another model)."""
        q = Q()
        if self.category:
            q &= Q(**{f"{prefix}run__prompt__category": self.category})
        if self.mode == "i2v":
            q &= ~Q(**{f"{prefix}run__prompt__reference_image": ""})
        elif self.mode == "t2v":
            q &= Q(**{f"{prefix}run__prompt__reference_image": ""})
        if self.duration:
            q &= Q(**{f"{prefix}run__duration": self.duration})
        if self.aspect_ratio:
            q &= Q(**{f"{prefix}run__aspect_ratio": self.aspect_ratio})
        if self.audio:
            q &= Q(**{f"{prefix}run__audio": self.audio})
        if self.end_frame:
            no_end = Q(**{f"{prefix}run__end_image": ""})
            q &= no_end if self.end_frame == "without" else ~no_end
        if self.camera:
            still = Q(**{f"{prefix}run__camera_motion": ""}) & Q(
                **{f"{prefix}run__camera_text": ""}
            )
            if self.camera == "none":
                q &= still
            elif self.camera == "move":
                q &= ~still
            else:
                q &= Q(**{f"{prefix}run__camera_motion": self.camera})
        return q

    def __bool__(self) -> bool:
        return bool(self.as_query())


def _choice(params, name: str, allowed: dict) -> str:
    value = params.get(name, "")
    return value if value in allowed else ""
