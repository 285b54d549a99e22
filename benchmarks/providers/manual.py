"""Models without an API: staff import their clips (admin upload or `import_clip`)."""

from benchmarks.providers.base import BaseProvider, Capabilities, PermanentProviderError


class ManualImport(BaseProvider):
    """The plugin of a model whose clips are made elsewhere and imported; it calls nothing.

    It is not a model itself: staff add the real model (its provider, its name) with this plugin
    key, and imported clips are attributed to it. No "Imported clip" model is ever made.
    """

    provider_slug = "manual"
    provider_name = "Imported clips"
    display_name = "Imported clip"
    catalogued = False
    capabilities = Capabilities(
        text_to_video=True,
        image_to_video=True,
        durations=tuple(range(1, 61)),
        resolutions=("480p", "540p", "720p", "768p", "1080p", "4k"),
        aspect_ratios=("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21", "4:5", "5:4"),
    )

    def submit(self, request):
        raise PermanentProviderError(
            "This model has no API: import its clips with the admin upload or `import_clip`."
        )
