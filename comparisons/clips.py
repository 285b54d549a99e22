"""Shape generations into what the comparison page and the player show."""

from dataclasses import dataclass
from decimal import Decimal

from benchmarks.models import Generation, VideoAsset


@dataclass
class Clip:
    """One generation as a visitor sees it: its model, numbers and files."""

    generation: Generation

    @property
    def model(self):
        return self.generation.video_model

    @property
    def assets(self) -> dict[str, VideoAsset]:
        # Prefetched: iterating .all() costs no query.
        return {asset.tier: asset for asset in self.generation.assets.all()}

    @property
    def report(self):
        return getattr(self.generation, "quality_report", None)

    @property
    def main_asset(self) -> VideoAsset | None:
        assets = self.assets
        return assets.get("standard") or assets.get("original")

    @property
    def cost_per_second(self) -> Decimal | None:
        cost, asset = self.generation.cost, self.main_asset
        if cost is None or not asset or not asset.duration:
            return None
        return cost / Decimal(str(round(asset.duration, 3)))

    def player_data(self) -> dict:
        """Return the dict the player's template include expects."""
        assets, report = self.assets, self.report
        main = self.main_asset
        sources = {t: assets[t].url for t in ("preview", "standard") if t in assets}
        return {
            "id": f"g{self.generation.pk}",
            "label": self.model.display_name,
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


def clips_for(generations) -> list[Clip]:
    """Return clips in a stable order (model name)."""
    return sorted(
        (Clip(g) for g in generations), key=lambda clip: clip.model.display_name.lower()
    )


def generations_with_outputs():
    """Return a queryset of generations with everything a clip card shows, prefetched."""
    return Generation.objects.select_related(
        "video_model__provider", "quality_report", "run"
    ).prefetch_related("assets")
