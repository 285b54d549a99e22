"""Settings read from the environment. With nothing set you get the embedded default:
SQLite, media on the local disk, and a Celery broker on the file system (no server needed)."""

from pathlib import Path

import dj_database_url

from config.settings.env import env, env_bool, env_decimal, env_float, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("LOCKSTEP_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", default=True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_celery_beat",
    "benchmarks",
    "media_pipeline",
    "comparisons",
    "arena",
    "api",
    "ops",
]

MIDDLEWARE = [
    # /healthz for load balancers: before the HTTPS redirect, the host check and the page cache.
    "api.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached public pages are answered here, before sessions, CSRF and URL resolving.
    "comparisons.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lockstep.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
    # Worker, beat and web share the file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- Static files and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
ORIGINALS_ROOT = Path(env("ORIGINALS_ROOT", str(VAR_DIR / "originals")))
#: Scratch space for downloads and transcodes; cleaned after each step.
WORK_DIR = Path(env("LOCKSTEP_WORK_DIR", str(VAR_DIR / "work")))

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_ORIGINALS_BUCKET_NAME = env("AWS_ORIGINALS_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME)
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN") or None  # the CDN in front of the bucket
AWS_ORIGINALS_STORAGE_CLASS = env("AWS_ORIGINALS_STORAGE_CLASS", "STANDARD_IA")

if AWS_STORAGE_BUCKET_NAME:
    from config.s3 import transfer_config

    _s3 = "storages.backends.s3.S3Storage"
    AWS_S3_TRANSFER_CONFIG = transfer_config()
    STORAGES = {
        "default": {
            "BACKEND": _s3,
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": AWS_S3_ENDPOINT_URL,
                "region_name": AWS_S3_REGION_NAME,
                "custom_domain": AWS_S3_CUSTOM_DOMAIN,
                "querystring_auth": False,
                "file_overwrite": True,  # keys are content-addressed: same key, same bytes
                "default_acl": None,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        "originals": {
            "BACKEND": _s3,
            "OPTIONS": {
                "bucket_name": AWS_ORIGINALS_BUCKET_NAME,
                "endpoint_url": AWS_S3_ENDPOINT_URL,
                "region_name": AWS_S3_REGION_NAME,
                "location": "originals",
                "querystring_auth": True,  # private: signed URLs for staff only
                "querystring_expire": 3600,
                "file_overwrite": True,
                "default_acl": "private",
                "custom_domain": None,
                "object_parameters": {"StorageClass": AWS_ORIGINALS_STORAGE_CLASS},
            },
        },
    }
else:
    STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
        },
        "originals": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": ORIGINALS_ROOT, "base_url": "/originals/"},
        },
    }
STORAGES["staticfiles"] = {
    "BACKEND": env("STATICFILES_BACKEND", "config.static_storage.StaticStorage")
}
#: Serve MEDIA_ROOT from Django (with Range support) when media is on the local disk.
SERVE_LOCAL_MEDIA = env_bool("SERVE_LOCAL_MEDIA", default=not AWS_STORAGE_BUCKET_NAME)

MEDIA_MAX_BYTES = env_int("MEDIA_MAX_BYTES", 2 * 1024**3)
MEDIA_MAX_DURATION = env_int("MEDIA_MAX_DURATION", 120)
MEDIA_MAX_DIMENSION = env_int("MEDIA_MAX_DIMENSION", 4096)

# --- Cache --------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        # Embedded default: a file cache, so the worker's invalidations reach the web server.
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)

# --- Celery -------------------------------------------------------------------------------------
# "localhost" only quiets kombu's "No hostname was supplied" warning: the folders are local.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
#: Redis re-delivers a task not acknowledged within this many seconds, countdowns included: every
#: retry countdown and callback backoff stays below it (system check `benchmarks.E002`).
BROKER_VISIBILITY_TIMEOUT = env_int("BROKER_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _control_dir, VAR_DIR / "celery" / "processed"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        "control_folder": str(_control_dir),
    }
elif CELERY_BROKER_URL.startswith("redis"):
    # Longer than any countdown we schedule (polls, capped backoff), so a delayed task is not
    # delivered twice; a killed worker's tasks come back after it, or sooner through the reaper.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "io"
#: Provider calls and downloads wait on the network (`io`); these hold a core (`media`).
CELERY_TASK_ROUTES = {
    "benchmarks.tasks.generation_transcode": {"queue": "media"},
    "benchmarks.tasks.generation_score": {"queue": "media"},
    "arena.tasks.ratings_refresh": {"queue": "media"},
    "comparisons.tasks.comparison_make_share_image": {"queue": "media"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False


CELERY_BEAT_SCHEDULE = {
    "generations-reap": {"task": "benchmarks.tasks.generations_reap", "schedule": 60.0},
    # What `manage.py clearsessions` does: the session table would otherwise only grow.
    "clear-expired-sessions": {"task": "api.tasks.clear_expired_sessions", "schedule": 24 * 3600.0},
}

# --- Benchmarks ---------------------------------------------------------------------------------
MONTHLY_BUDGET_USD = env_decimal("MONTHLY_BUDGET_USD", "500")
#: Let runs start on models with no price for the resolution sent (their cost shows "unknown").
#: Off: such a run is refused, naming the model and the missing price.
ALLOW_UNPRICED_RUNS = env_bool("ALLOW_UNPRICED_RUNS", default=False)
LOCAL_PROVIDER_SPEED = env_float("LOCAL_PROVIDER_SPEED", 1.0)
#: Multiplies every provider's poll interval (1 = as each plugin declares).
POLL_INTERVAL_SCALE = env_float("POLL_INTERVAL_SCALE", 1.0)
#: Seconds a generation may sit in a state without an update before the reaper acts.
REAPER_STALE_SECONDS = {
    "queued": env_int("REAPER_STALE_QUEUED", 15 * 60),
    "submitting": env_int("REAPER_STALE_SUBMITTING", 5 * 60),
    "submitted": env_int("REAPER_STALE_POLLING", 15 * 60),
    "generating": env_int("REAPER_STALE_POLLING", 15 * 60),
    "downloading": env_int("REAPER_STALE_DOWNLOADING", 20 * 60),
    "transcoding": env_int("REAPER_STALE_MEDIA", 30 * 60),
    "scoring": env_int("REAPER_STALE_MEDIA", 30 * 60),
}
REAPER_MAX_TRIES = env_int("REAPER_MAX_TRIES", 3)
#: New attempts the pipeline starts by itself when a provider fails a job for a reason of its own
#: that a new attempt may fix (e.g. Runway's INTERNAL.*). Each is paid for anew, so they are
#: counted against this and checked against the budget; 0 turns them off.
PROVIDER_FAILURE_RESUBMITS = env_int("PROVIDER_FAILURE_RESUBMITS", 1)
#: The longest a provider's Retry-After is honoured (submit, poll, download); longer asks are cut
#: to this. Kept below BROKER_VISIBILITY_TIMEOUT (system check).
PROVIDER_RETRY_AFTER_MAX_SECONDS = env_int("PROVIDER_RETRY_AFTER_MAX_SECONDS", 1800)
#: A poll that loses the job (404, a status we don't know) is tried again this many times, this
#: far apart, before the generation goes to needs_review (the job may still run and bill).
POLL_LOST_RETRIES = env_int("POLL_LOST_RETRIES", 5)
POLL_LOST_DELAY_SECONDS = env_int("POLL_LOST_DELAY_SECONDS", 60)
#: The reaper removes a step's scratch directory untouched for this long (its worker died).
SCRATCH_STALE_SECONDS = env_int("SCRATCH_STALE_SECONDS", 2 * 3600)
#: A download stops at MEDIA_MAX_BYTES, and when it has taken longer than this in total.
DOWNLOAD_DEADLINE_SECONDS = env_int("DOWNLOAD_DEADLINE_SECONDS", 15 * 60)
#: No generation takes longer than this from queued to complete; past it, it fails as `timeout`.
GENERATION_DEADLINE_SECONDS = env_int("GENERATION_DEADLINE_SECONDS", 6 * 3600)
#: Base URL providers call back on; empty disables webhooks (polling only).
WEBHOOK_BASE_URL = env("WEBHOOK_BASE_URL").rstrip("/")

# Provider credentials, base URLs and webhook secrets, one block per provider family: read by
# its plugin (benchmarks/providers/<slug>/) at call time. An empty base URL means the provider's
# public API. A new family adds its lines here (docs/providers.md, "Adding a provider family").
RUNWAY_API_KEY = env("RUNWAY_API_KEY")
RUNWAY_BASE_URL = env("RUNWAY_BASE_URL")

LUMA_API_KEY = env("LUMA_API_KEY")
LUMA_BASE_URL = env("LUMA_BASE_URL")

OPENAI_API_KEY = env("OPENAI_API_KEY")
OPENAI_BASE_URL = env("OPENAI_BASE_URL")
OPENAI_WEBHOOK_SECRET = env("OPENAI_WEBHOOK_SECRET")

GEMINI_API_KEY = env("GEMINI_API_KEY")  # Google Veo
GEMINI_BASE_URL = env("GEMINI_BASE_URL")
GEMINI_WEBHOOK_SECRET = env("GEMINI_WEBHOOK_SECRET")

KLING_ACCESS_KEY = env("KLING_ACCESS_KEY")  # Kling signs a JWT from both keys
KLING_SECRET_KEY = env("KLING_SECRET_KEY")
KLING_BASE_URL = env("KLING_BASE_URL")

MINIMAX_API_KEY = env("MINIMAX_API_KEY")
MINIMAX_BASE_URL = env("MINIMAX_BASE_URL")

FAL_API_KEY = env("FAL_API_KEY")
FAL_BASE_URL = env("FAL_BASE_URL")
FAL_JWKS_URL = env("FAL_JWKS_URL", "https://rest.alpha.fal.ai/.well-known/jwks.json")

REPLICATE_API_KEY = env("REPLICATE_API_KEY")
REPLICATE_BASE_URL = env("REPLICATE_BASE_URL")
REPLICATE_WEBHOOK_SECRET = env("REPLICATE_WEBHOOK_SECRET")

# --- API, callbacks, metrics (the api app) ---------------------------------------------------
API_MAX_IMAGE_BYTES = env_int("API_MAX_IMAGE_BYTES", 5 * 1024**2)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 8 * 1024**2)
#: Let run callbacks go to loopback and private addresses (tests, a closed network only).
CALLBACK_ALLOW_PRIVATE = env_bool("CALLBACK_ALLOW_PRIVATE", default=False)
#: /metrics answers a request bearing this token, or one from these networks (CIDR list).
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
#: Operations page alerts: the seed's P99 over 15 s, and a 24 h failure rate over 20 %.
OPS_P99_ALERT_SECONDS = env_int("OPS_P99_ALERT_SECONDS", 15)
OPS_FAILURE_RATE_ALERT = env_float("OPS_FAILURE_RATE_ALERT", 0.2)

# --- Arena (arena/conf.py says what each one does) ---------------------------------------------
ARENA_SALT = env("ARENA_SALT")
ARENA_IP_HEADER = env("ARENA_IP_HEADER")
ARENA_TOKEN_MAX_AGE = env_int("ARENA_TOKEN_MAX_AGE", 900)
ARENA_RATE_LIMIT_SESSION = (
    env_int("ARENA_RATE_LIMIT_SESSION_VOTES", 20), env_int("ARENA_RATE_LIMIT_SESSION_SECONDS", 60)
)  # fmt: skip
ARENA_RATE_LIMIT_IP = (
    env_int("ARENA_RATE_LIMIT_IP_VOTES", 120), env_int("ARENA_RATE_LIMIT_IP_SECONDS", 60)
)  # fmt: skip
ARENA_REFRESH_DELAY = env_int("ARENA_REFRESH_DELAY", 60)
ARENA_BOOTSTRAP_ROUNDS = env_int("ARENA_BOOTSTRAP_ROUNDS", 200)
ARENA_MIN_WATCH_SHARE = env_int("ARENA_MIN_WATCH_PERCENT", 75) / 100
ARENA_SCREEN_WINDOW = env_int("ARENA_SCREEN_WINDOW", 86400)
ARENA_SCREEN_MIN_VOTES = env_int("ARENA_SCREEN_MIN_VOTES", 8)
ARENA_SUSPICION_Z = env_int("ARENA_SUSPICION_Z", 4)

# --- Security -----------------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

from config.s3 import media_origins  # noqa: E402

#: Where browsers fetch clips and posters: the CDN, the bucket or the S3-compatible endpoint, and
#: an absolute MEDIA_URL. A mismatch with the real URLs fails `media_pipeline.E001` at start-up.
MEDIA_ORIGINS = media_origins(
    bucket=AWS_STORAGE_BUCKET_NAME,
    custom_domain=AWS_S3_CUSTOM_DOMAIN,
    endpoint_url=AWS_S3_ENDPOINT_URL,
    region=AWS_S3_REGION_NAME,
)
if MEDIA_URL.startswith(("http://", "https://")):
    MEDIA_ORIGINS.append("/".join(MEDIA_URL.split("/")[:3]))
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS],
    "media-src": [CSP.SELF, *MEDIA_ORIGINS],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True

LOGIN_URL = "admin:login"

# --- Error reports: Sentry (Django and Celery), on when SENTRY_DSN is set ---------------------
from config.sentry import sentry_init  # noqa: E402

SENTRY_ENABLED = sentry_init()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
