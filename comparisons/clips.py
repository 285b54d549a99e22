"""Shape generations into what the comparison page and the player show."""

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal

from benchmarks.models import Generation, VideoAsset
from benchmarks.models.runs import MOSTLY

#: Above this share of repeated frames a clip is "mostly frozen".
FROZEN_SHARE = MOSTLY
#: The player plays at most this many clips at once.
PLAYER_MAX_CLIPS = 6


@dataclass
class Clip:
    """One generation as a visitor sees it: its model, numbers and files."""

    generation: Generation
    #: Appended to the model name in the player when two runs play together ("then").
    suffix: str = ""
    #: The metrics on which this clip is the best of its comparison (see mark_best).
    best: set[str] = field(default_factory=set)

    @property
    def model(self):
        return self.generation.video_model

    @property
    def run(self):
        return self.generation.run

    @property
    def label(self) -> str:
        return f"{self.model.display_name} {self.suffix}".strip()

    @property
    def assets(self) -> dict[str, VideoAsset]:
        # Prefetched: iterating .all() costs no query.
        return {asset.tier: asset for asset in self.generation.assets.all()}

    @property
    def report(self):
        return getattr(self.generation, "quality_report", None)

    @property
    def frozen(self) -> bool:
        """Say whether most of the clip's frames repeat the one before."""
        return bool(self.report and self.report.frozen_fraction > FROZEN_SHARE)

    @property
    def main_asset(self) -> VideoAsset | None:
        assets = self.assets
        return assets.get("standard") or assets.get("original") or assets.get("preview")

    @property
    def poster_url(self) -> str:
        poster = self.assets.get("poster")
        return poster.url if poster else ""

    @property
    def preview_url(self) -> str:
        preview = self.assets.get("preview")
        return preview.url if preview else ""

    @property
    def provider_seconds(self) -> float | None:
        span = self.generation.provider_time
        return span.total_seconds() if span else None

    @property
    def cost_per_second(self) -> Decimal | None:
        cost, asset = self.generation.cost, self.main_asset
        if cost is None or not asset or not asset.duration:
            return None
        return cost / Decimal(str(round(asset.duration, 3)))

    @property
    def settings_json(self) -> str:
        """Return the request as sent to the provider, pretty-printed."""
        return json.dumps(self.generation.request_sent or {}, indent=2, sort_keys=True)

    def player_data(self) -> dict:
        """Return the dict the player's template include expects."""
        assets, report = self.assets, self.report
        main = self.main_asset
        sources = {t: assets[t].url for t in ("preview", "standard") if t in assets}
        return {
            "id": f"g{self.generation.pk}",
            "label": self.label,
            "synthetic": self.model.synthetic,
            "fps": main.fps if main else 0,
            "duration": main.duration if main else 0,
            "width": main.width if main else 0,
            "height": main.height if main else 0,
            "poster": assets["poster"].url if "poster" in assets else "",
            "sources": sources,
            "series": report.series if report else {},
            "spikes": report.flicker_spikes if report else [],
        }


#: Metric -> (how to read it from a clip, True when higher is better).
RANKED = {
    # A frozen clip is perfectly "coherent": it can't win on coherence.
    "coherence": (lambda c: c.report.mean_coherence if c.report and not c.frozen else None, True),
    "flicker": (lambda c: c.report.flicker_score if c.report else None, False),
    "time": (lambda c: c.provider_seconds, False),
    "cost": (lambda c: c.generation.cost, False),
    "cost_per_second": (lambda c: c.cost_per_second, False),
}


def mark_best(clips: list[Clip]) -> list[Clip]:
    """Mark, on each clip, the metrics where it beats every other clip (ties share the mark)."""
    if len(clips) < 2:
        return clips
    for name, (read, higher) in RANKED.items():
        values = [(read(clip), clip) for clip in clips]
        known = [(v, clip) for v, clip in values if v is not None]
        if not known:
            continue
        best = max(v for v, _ in known) if higher else min(v for v, _ in known)
        if len(known) > 1 and all(v == best for v, _ in known):
            continue  # everyone equal: nobody stands out
        for value, clip in known:
            if value == best:
                clip.best.add(name)
    return clips


def clips_for(generations, suffix: str = "") -> list[Clip]:
    """Return clips in a stable order (model name)."""
    return sorted(
        (Clip(g, suffix) for g in generations), key=lambda clip: clip.model.display_name.lower()
    )


@dataclass
class Movement:
    """How one model's numbers moved between an earlier run ("then") and this one ("now")."""

    model: object
    now: Clip | None
    then: Clip | None

    def _delta(self, read):
        if not (self.now and self.then):
            return None
        a, b = read(self.now), read(self.then)
        return None if a is None or b is None else a - b

    @property
    def coherence(self):
        return self._delta(lambda c: c.report.mean_coherence if c.report else None)

    @property
    def flicker(self):
        return self._delta(lambda c: c.report.flicker_score if c.report else None)

    @property
    def motion(self):
        return self._delta(lambda c: c.report.motion_mean if c.report else None)

    @property
    def seconds(self):
        return self._delta(lambda c: c.provider_seconds)

    @property
    def cost(self):
        return self._delta(lambda c: c.generation.cost)


def movements(now: list[Clip], then: list[Clip]) -> list[Movement]:
    """Pair the clips of two runs by model, in model-name order."""
    now_by, then_by = {c.model.pk: c for c in now}, {c.model.pk: c for c in then}
    models = {c.model.pk: c.model for c in [*now, *then]}
    return sorted(
        (Movement(models[pk], now_by.get(pk), then_by.get(pk)) for pk in models),
        key=lambda m: m.model.display_name.lower(),
    )


def then_and_now(moves: list[Movement]) -> list[Clip]:
    """Return the clips the player shows for then vs now: each model's pair, within the limit."""
    paired = [m for m in moves if m.now and m.then]
    chosen: list[Clip] = []
    for move in paired[: PLAYER_MAX_CLIPS // 2]:
        chosen += [replace(move.now, suffix="· now"), move.then]
    return chosen


#: Metric -> how to read it from a quality report, for the spread across samples.
SPREAD_METRICS = {
    "coherence": "mean_coherence",
    "flicker": "flicker_score",
    "motion": "motion_mean",
}


@dataclass
class SampleSummary:
    """One model's samples in one run: how many were usable, what they cost, how they varied."""

    model: object
    samples: list[Generation]

    @property
    def asked(self) -> int:
        return len(self.samples)

    @property
    def usable(self) -> int:
        return sum(1 for g in self.samples if g.is_usable)

    @property
    def usable_rate(self) -> float | None:
        return self.usable / self.asked if self.asked else None

    @property
    def spent(self) -> Decimal:
        """Every sample paid for, failed and unusable ones included (loaded `with_spent()`)."""
        return sum((g.spent for g in self.samples), Decimal("0"))

    @property
    def cost_per_usable(self) -> Decimal | None:
        return self.spent / self.usable if self.usable else None

    @property
    def spread(self) -> dict[str, tuple[float, float] | None]:
        """Return (lowest, highest) of each metric over the samples that were scored."""
        reports = [r for g in self.samples if (r := getattr(g, "quality_report", None))]
        spread = {}
        for name, attribute in SPREAD_METRICS.items():
            values = [getattr(r, attribute) for r in reports]
            spread[name] = (min(values), max(values)) if values else None
        return spread


def sample_summaries(generations) -> list[SampleSummary]:
    """Group a run's generations (every sample, failed ones too) by model, in model-name order."""
    by_model: dict[int, SampleSummary] = {}
    for generation in generations:
        model = generation.video_model
        by_model.setdefault(model.pk, SampleSummary(model, [])).samples.append(generation)
    return sorted(by_model.values(), key=lambda s: s.model.display_name.lower())
