from django.urls import path

from benchmarks.webhooks import provider_webhook

app_name = "benchmarks"

urlpatterns = [
    path("<str:plugin_key>/", provider_webhook, name="webhook"),
]
