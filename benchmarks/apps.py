from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "benchmarks"
    verbose_name = "Benchmarks"

    def ready(self):
        from benchmarks import checks  # noqa: F401  (registers system checks)
