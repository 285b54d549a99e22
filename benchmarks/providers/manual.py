"""Models without an API: staff import their clips (admin upload or `import_clip`)."""

from benchmarks.providers.base import BaseProvider, Capabilities, PermanentProviderError


class ManualImport(BaseProvider):
    """A model whose clips are made elsewhere and imported; it never calls anything."""

    key = "manual"
    provider_slug = "manual"
    provider_name = "Imported clips"
    display_name = "Imported clip"
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
