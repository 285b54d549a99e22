from django.apps import AppConfig


class ComparisonsConfig(AppConfig):
    name = "comparisons"
    verbose_name = "Public comparisons"
