from django.apps import AppConfig


class ComparisonsConfig(AppConfig):
    name = "comparisons"
    verbose_name = "Public comparisons"

    def ready(self):
        from comparisons import receivers  # noqa: F401  (connects the cache invalidation)
