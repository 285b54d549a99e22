"""The JSON API: function views that answer JSON, errors included, for every route and method."""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from api import export, openapi
from api.auth import AuthenticationFailed, authenticate
from api.representations import generation_json, run_json
from api.services import IdempotencyConflict, run_submit
from api.validation import ValidationFailed, parse_json, validate_idempotency_key
from benchmarks.models import BenchmarkRun, Generation, VideoModel

#: Postgres bigint: an id past it can't exist, and asking would be a database error.
MAX_ID = 2**63 - 1


def error(status: int, code: str, message: str, fields: dict | None = None, **headers):
    """Return the API's error body: {"error": {"code", "message", "fields"}}."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def api_view(*methods: str, auth: bool = True):
    """Allow `methods` only, authenticate the bearer token if `auth`, turn errors into JSON."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in allowed:
                return error(
                    405, "method_not_allowed", f"{request.method} is not allowed here.",
                    Allow=", ".join(sorted(allowed)),
                )  # fmt: skip
            if auth:
                try:
                    request.api_token = authenticate(request)
                except AuthenticationFailed as exc:
                    return error(401, "unauthorized", str(exc), WWW_Authenticate="Bearer")
            try:
                return view(request, *args, **kwargs)
            except ValidationFailed as exc:
                return error(exc.status, "invalid", str(exc), exc.errors)

        return wrapper

    return decorate


#: Runs a page of `GET /api/v1/runs` holds.
RUNS_PER_PAGE = 20


@api_view("GET", "POST")
def runs(request):
    """List your runs (GET), or start one (POST)."""
    return run_start(request) if request.method == "POST" else run_list(request)


def run_list(request):
    """List the runs the token may read, newest first, a page at a time.

    The page after is named by the last run's id (`?before=`), not by an offset, so a page deep
    in a year of runs costs what the first one does.
    """
    unknown = sorted(set(request.GET) - {"before"})
    if unknown:
        raise ValidationFailed(
            {name: "Not a parameter of this list: it takes before." for name in unknown}
        )
    before = request.GET.get("before")
    if before is not None and not (before.isascii() and before.isdigit() and int(before) <= MAX_ID):
        raise ValidationFailed({"before": "Give the id of a run, from the previous page's next."})
    listed = BenchmarkRun.objects.readable_by(request.api_token.user).order_by("-pk")
    if before is not None:
        listed = listed.filter(pk__lt=int(before))
    page = list(listed.with_generations()[: RUNS_PER_PAGE + 1])
    more = len(page) > RUNS_PER_PAGE
    page = page[:RUNS_PER_PAGE]
    after = f"{reverse('api:runs')}?before={page[-1].pk}" if more else None
    return JsonResponse({"runs": [run_json(run, request=request) for run in page], "next": after})


def run_start(request):
    """Start a run: the body is JSON, `Idempotency-Key` makes a retry safe."""
    content_type = request.content_type or ""
    if content_type != "application/json":
        return error(415, "unsupported_media_type", "Send the body as application/json.")
    body = _read_body(request)
    if body is None:
        limit = settings.API_MAX_BODY_BYTES
        return error(413, "too_large", f"The body is larger than {limit // 1024**2} MB.")
    key = validate_idempotency_key(request.headers.get("Idempotency-Key"))
    data = parse_json(body)
    try:
        run, created = run_submit(token=request.api_token, data=data, idempotency_key=key)
    except IdempotencyConflict as exc:
        return error(409, "idempotency_conflict", str(exc))
    run = BenchmarkRun.objects.readable_by(request.api_token.user).with_generations().get(pk=run.pk)
    response = JsonResponse(run_json(run, request=request), status=201 if created else 200)
    response["Location"] = reverse("api:run", kwargs={"run_id": run.pk})
    if not created:
        response["Idempotent-Replayed"] = "true"
    return response


@api_view("GET")
def run_detail(request, run_id: int):
    runs = BenchmarkRun.objects.readable_by(request.api_token.user).with_generations()
    run = runs.filter(pk=run_id).first() if run_id <= MAX_ID else None
    if run is None:
        return error(404, "not_found", f"You have no run {run_id}.")
    return JsonResponse(run_json(run, request=request))


@api_view("GET")
def generation_detail(request, generation_id: int):
    generation = (
        Generation.objects.readable_by(request.api_token.user)
        .with_model_and_assets()
        .filter(pk=generation_id)
        .first()
        if generation_id <= MAX_ID
        else None
    )
    if generation is None:
        return error(404, "not_found", f"You have no generation {generation_id}.")
    return JsonResponse(generation_json(generation, request=request))


@api_view("GET", auth=False)
def models(request):
    """List the models a run may name, with what each supports."""
    rows = VideoModel.objects.usable().with_provider()
    return JsonResponse(
        {
            "models": [
                {
                    "slug": m.slug,
                    "name": m.display_name,
                    "provider": m.provider.name,
                    "lifecycle": m.lifecycle,
                    "synthetic": m.synthetic,
                    "capabilities": m.capabilities,
                }
                for m in rows
            ]
        }
    )


@api_view("GET", auth=False)
def openapi_schema(request):
    return JsonResponse(openapi.document(request))


@api_view("GET", auth=False)
def export_runs_json(request):
    return export.runs_json_response()


@api_view("GET", auth=False)
def export_runs_csv(request):
    return export.runs_csv_response()


@api_view("GET", auth=False)
def export_votes_csv(request):
    return export.votes_csv_response()


@csrf_exempt
def not_found(request, *args, **kwargs):
    return error(404, "not_found", f"There is no API endpoint at {request.path}.")


def _read_body(request) -> bytes | None:
    """Return the body, or None past API_MAX_BODY_BYTES (read no further than the limit)."""
    limit = settings.API_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    # Read the stream directly: request.body would stop at DATA_UPLOAD_MAX_MEMORY_SIZE with an
    # HTML error, and the API's limit is larger (a reference image fits in a body).
    body = request.read(limit + 1)
    return None if len(body) > limit else body
