from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API and callbacks"

    def ready(self):
        # Connect the callback receivers to the pipeline's signals (logs: config/celery_app).
        from api import callbacks, checks  # noqa: F401
