"""The OpenAPI 3 document of the API, served at /api/openapi.json."""

from api.validation import IDEMPOTENCY_KEY_MAX, MAX_MODELS, PROMPT_MAX
from benchmarks.models import Prompt
from benchmarks.models.prompts import MAX_SAMPLES
from benchmarks.providers.base import CAMERA_MOVES

VERSION = "1.0.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    words = {
        400: "The body or a parameter is invalid; `fields` says which and why.",
        401: "No token, or an unknown or revoked one.",
        404: "Nothing here, or not yours.",
        405: "The method is not allowed on this path.",
        409: "The Idempotency-Key was used with another body.",
        413: "The body is too large.",
        415: "The body is not application/json.",
    }
    return {str(code): _json(_ref("Error"), words[code]) for code in codes}


NULLABLE_NUMBER = {"type": "number", "nullable": True}
TIMINGS = {
    "type": "object",
    "description": "Seconds spent in each phase; null until the phase has ended.",
    "properties": {
        name: NULLABLE_NUMBER
        for name in (
            "queue_wait",
            "provider",
            "download",
            "transcode",
            "scoring",
            "total",
            "submit_to_ready",
        )  # fmt: skip
    },
}
SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "RunRequest": {
        "type": "object",
        "additionalProperties": False,
        "description": "Give `prompt` (new text) or `prompt_slug` (a published prompt), not both.",
        "required": ["models"],
        "example": {
            "prompt": "A red kite over a green hill, slow pan.",
            "models": ["local-smooth"],
            "duration": 5,
            "aspect_ratio": "16:9",
        },
        "properties": {
            "prompt": {"type": "string", "minLength": 1, "maxLength": PROMPT_MAX},
            "prompt_slug": {"type": "string", "maxLength": 50},
            "negative_prompt": {"type": "string", "maxLength": PROMPT_MAX},
            "category": {"type": "string", "enum": list(Prompt.Category.values)},
            "models": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_MODELS,
                "items": {"type": "string", "maxLength": 50},
                "description": "Model slugs, from GET /api/v1/models.",
            },
            "duration": {"type": "integer", "minimum": 1, "maximum": 60},
            "aspect_ratio": {"type": "string", "pattern": r"^\d{1,2}:\d{1,2}$"},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
            "reference_image": {
                "type": "string",
                "description": "First frame as a data URI: data:image/png|jpeg|webp;base64,...",
            },
            "end_image": {
                "type": "string",
                "description": "Last frame (end frame) as a data URI, like reference_image.",
            },
            "audio": {
                "type": "boolean",
                "description": "true: with sound; false: silent. Absent: the model's default.",
            },
            "camera": {"type": "string", "enum": ["", *CAMERA_MOVES]},
            "camera_text": {
                "type": "string",
                "maxLength": 200,
                "description": "The provider's own camera instruction, where it takes one.",
            },
            "samples": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_SAMPLES,
                "description": "Clips per model, each with its own recorded seed; each is paid.",
            },
            "callback_url": {
                "type": "string",
                "format": "uri",
                "maxLength": 2000,
                "description": "Public http(s) URL; receives Standard Webhooks-signed POSTs.",
            },
        },
    },
    "Generation": {
        "type": "object",
        "required": ["id", "run_id", "model", "state", "progress", "timings", "assets"],
        "properties": {
            "id": {"type": "integer"},
            "run_id": {"type": "integer"},
            "model": {"type": "string"},
            "model_name": {"type": "string"},
            "synthetic": {"type": "boolean"},
            "state": {
                "type": "string",
                "enum": [
                    "queued",
                    "submitted",
                    "generating",
                    "downloading",
                    "transcoding",
                    "scoring",
                    "complete",
                    "failed",
                ],
            },  # fmt: skip
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "note": {"type": "string"},
            "model_version": {"type": "string"},
            "sample": {"type": "integer"},
            "seed": {"type": "integer", "nullable": True},
            "cost_usd": {"type": "string", "nullable": True, "description": "US dollars."},
            "cost_is_estimate": {"type": "boolean"},
            "timings": TIMINGS,
            "realtime_factor": {
                **NULLABLE_NUMBER,
                "description": "Seconds of video per second from submit to ready.",
            },
            "queued_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": "string", "format": "date-time", "nullable": True},
            "assets": {
                "type": "object",
                "description": "URLs of the standard, preview and poster tiers, once complete.",
                "additionalProperties": {"type": "string"},
            },
            "error": {
                "type": "object",
                "nullable": True,
                "properties": {"kind": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "Run": {
        "type": "object",
        "required": ["id", "state", "progress", "generations"],
        "properties": {
            "id": {"type": "integer"},
            "state": {"type": "string", "enum": ["running", "complete", "failed"]},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "done": {"type": "boolean"},
            "prompt": {
                "type": "object",
                "properties": {"slug": {"type": "string"}, "text": {"type": "string"}},
            },
            "duration": {"type": "integer"},
            "aspect_ratio": {"type": "string"},
            "resolution": {"type": "string"},
            "seed": {"type": "integer", "nullable": True},
            "audio": {"type": "boolean", "nullable": True},
            "camera": {"type": "string"},
            "camera_text": {"type": "string"},
            "end_frame": {"type": "boolean"},
            "samples": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": "string", "format": "date-time", "nullable": True},
            "wall_time": {"type": "number", "nullable": True},
            "time_to_first_usable": {
                **NULLABLE_NUMBER,
                "description": "Seconds from the run's start to its first usable clip.",
            },
            "cost_usd": {"type": "string", "nullable": True},
            "generations": {"type": "array", "items": _ref("Generation")},
        },
    },
    "ModelList": {
        "type": "object",
        "required": ["models"],
        "properties": {
            "models": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "provider": {"type": "string"},
                        "lifecycle": {"type": "string"},
                        "synthetic": {"type": "boolean"},
                        "capabilities": {"type": "object"},
                    },
                },
            }
        },
    },
}


def _id_parameter(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }


def _export(content_type: str, description: str) -> dict:
    return {
        "get": {
            "summary": description,
            "tags": ["open data"],
            "security": [],
            "responses": {
                "200": {"description": description, "content": {content_type: {"schema": {}}}},
                **_errors(405),
            },
        }
    }


PATHS = {
    "/api/v1/runs": {
        "get": {
            "summary": "Your runs (staff: every run), newest first, 20 a page.",
            "operationId": "listRuns",
            "tags": ["runs"],
            "parameters": [
                {
                    "name": "before",
                    "in": "query",
                    "required": False,
                    "description": "The next page: runs older than this run id (the `next` link).",
                    "schema": {"type": "integer", "minimum": 0},
                }
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["runs", "next"],
                        "properties": {
                            "runs": {"type": "array", "items": _ref("Run")},
                            "next": {"type": ["string", "null"]},
                        },
                    },
                    "A page of runs and the link to the next page (null on the last).",
                ),
                **_errors(400, 401, 405),
            },
        },
        "post": {
            "summary": "Start a run of one prompt on several models.",
            "operationId": "createRun",
            "tags": ["runs"],
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "The same key and body return the same run, never a second.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("RunRequest")}},
            },
            "responses": {
                "201": _json(_ref("Run"), "The run started."),
                "200": _json(_ref("Run"), "A replay: the run made under this Idempotency-Key."),
                **_errors(400, 401, 405, 409, 413, 415),
            },
        },
    },
    "/api/v1/runs/{run_id}": {
        "get": {
            "summary": "The state of a run and of each of its generations.",
            "operationId": "getRun",
            "tags": ["runs"],
            "parameters": [_id_parameter("run_id")],
            "responses": {"200": _json(_ref("Run"), "The run."), **_errors(401, 404, 405)},
        }
    },
    "/api/v1/generations/{generation_id}": {
        "get": {
            "summary": "The state of one generation: progress, timings, cost, clip URLs, error.",
            "operationId": "getGeneration",
            "tags": ["runs"],
            "parameters": [_id_parameter("generation_id")],
            "responses": {
                "200": _json(_ref("Generation"), "The generation."),
                **_errors(401, 404, 405),
            },
        }
    },
    "/api/v1/models": {
        "get": {
            "summary": "The models a run may name, with their capabilities.",
            "operationId": "listModels",
            "tags": ["catalog"],
            "security": [],
            "responses": {"200": _json(_ref("ModelList"), "The models."), **_errors(405)},
        }
    },
    "/api/v1/export/runs.json": _export("application/json", "Published runs, clip by clip (JSON)."),
    "/api/v1/export/runs.csv": _export("text/csv", "Published runs, one clip per row (CSV)."),
    "/api/v1/export/votes.csv": _export("text/csv", "Anonymized arena votes (CSV)."),
}


def document(request=None) -> dict:
    """Return the OpenAPI 3 document; the server URL is the site the request came to."""
    servers = [{"url": request.build_absolute_uri("/").rstrip("/")}] if request else []
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Lockstep API",
            "version": VERSION,
            "description": (
                "Run prompts through Lockstep's pipeline, follow them, and read the open data. "
                "Send `Authorization: Bearer <token>` (tokens are issued in the admin)."
            ),
        },
        "servers": servers,
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
