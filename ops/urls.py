"""Operations: Prometheus `/metrics` (metrics.py) and the staff page `/ops/` (views.py)."""

from django.urls import path

from ops.metrics import metrics_view
from ops.views import ops_view

app_name = "ops"

urlpatterns = [
    path("metrics", metrics_view, name="metrics"),
    path("ops/", ops_view, name="page"),
]
