from django.urls import path, re_path

from api import views

app_name = "api"

urlpatterns = [
    path("openapi.json", views.openapi_schema, name="openapi"),
    re_path(r"^v1/runs/?$", views.runs, name="runs"),
    path("v1/runs/<int:run_id>", views.run_detail, name="run"),
    path("v1/generations/<int:generation_id>", views.generation_detail, name="generation"),
    path("v1/models", views.models, name="models"),
    path("v1/export/runs.json", views.export_runs_json, name="export-runs-json"),
    path("v1/export/runs.csv", views.export_runs_csv, name="export-runs-csv"),
    path("v1/export/votes.csv", views.export_votes_csv, name="export-votes-csv"),
    # Last: anything else under /api/ answers a JSON 404, not the site's HTML page. [\s\S], not
    # ".": a path may hold a (percent-encoded) newline.
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),
]
