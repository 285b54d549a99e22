from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API, callbacks and operations"

    def ready(self):
        # Connect the callback receivers to the pipeline's signals and the log context to Celery.
        from api import callbacks, checks, logging  # noqa: F401
