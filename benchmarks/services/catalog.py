"""Keep the catalog in step with the plugin registry."""

import datetime

from django.db import transaction

from benchmarks.models import Price, Provider, VideoModel
from benchmarks.providers.registry import PLUGINS, plugin_class

#: A model's lifecycle only moves forward: the registry never revives what staff retired.
LIFECYCLE_ORDER = [
    VideoModel.Lifecycle.ACTIVE,
    VideoModel.Lifecycle.DEPRECATED,
    VideoModel.Lifecycle.RETIRED,
]


@transaction.atomic
def catalog_sync() -> list[VideoModel]:
    """Create or update a VideoModel per registered API plugin; add its list price if none.

    The registry owns the model id, capabilities and the synthetic flag. Staff own the rest and
    it is never overwritten: names, notes, prices, and the lifecycle, which the registry can only
    move forward (active → deprecated → retired), never undo a model staff retired.
    """
    synced = []
    for key in PLUGINS:
        plugin = plugin_class(key)
        if not plugin.catalogued:  # manual, self-hosted: staff add those rows themselves
            continue
        provider, _ = Provider.objects.get_or_create(
            slug=plugin.provider_slug, defaults={"name": plugin.provider_name}
        )
        model, created = VideoModel.objects.get_or_create(
            slug=key,
            defaults={"provider": provider, "display_name": plugin.display_name, "plugin_key": key},
        )
        model.model_id = plugin.model_id
        model.capabilities = plugin.capabilities.as_dict()
        model.synthetic = plugin.synthetic
        if LIFECYCLE_ORDER.index(plugin.lifecycle) > LIFECYCLE_ORDER.index(model.lifecycle):
            model.lifecycle = plugin.lifecycle
        if plugin.retired_on:
            when = datetime.date.fromisoformat(plugin.retired_on)
            if plugin.lifecycle == VideoModel.Lifecycle.RETIRED:
                model.retired_on = model.retired_on or when
            else:
                model.deprecated_on = model.deprecated_on or when
        model.save()
        price = plugin.default_price
        if price is not None and not model.prices.exists():
            Price.objects.create(
                video_model=model,
                amount=price.amount,
                unit=price.unit,
                resolution=price.resolution,
                source=price.source,
                valid_from=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
            )
        synced.append(model)
    return synced
