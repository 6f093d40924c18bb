"""Settings, read from the environment.

Defaults are safe for production (DEBUG off, a secret key required) except
the database, which falls back to SQLite in the project folder so that a
first run needs no server. `DEBUG=1` is what the demo and test commands set.
"""

import datetime
import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
# The placeholder in docker/production.env.example: a copied example must not start.
EXAMPLE_SECRET_KEY = "replace-with-50-random-characters"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development)."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (
    SECRET_KEY in {DEVELOPMENT_SECRET_KEY, EXAMPLE_SECRET_KEY}
    # What `check --deploy` calls weak (security.W009); here it stops the start.
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is the example's, the development one, or weak (fewer than 50 characters "
        "or 5 different ones). Generate one: python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "corsheaders",
    "simple_history",
    "common",
    "actors",
    "sources",
    "transfers",
    # Reads a new source's text and proposes records for review.
    "assistant",
    # Last: it builds on the apps above, and extends their admins.
    "editorial",
    # The public pages: they read the apps above and own nothing.
    "explorer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.csp.CSPMiddleware",
    "common.availability.DatabaseUnavailableMiddleware",
    "common.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks, so a preflight is answered first.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the login's outcome and answers a locked-out client.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# After a database restart every persistent connection is dead; checking it at
# the start of a request reconnects instead of answering the first one 500.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# A database that accepts connections and never answers must not hold a worker:
# connecting gives up after DB_CONNECT_TIMEOUT seconds, a statement after
# DB_STATEMENT_TIMEOUT (a PostgreSQL duration: 30s, 500ms, 0 for none); either
# is answered 503 (common.availability). manage.py gives commands (migrate,
# exports, demo data, index rebuilds: minutes by design) their own
# DB_COMMAND_STATEMENT_TIMEOUT, none unless set.
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=5)
DB_STATEMENT_TIMEOUT = env.str("DB_STATEMENT_TIMEOUT", default="30s")
if not re.fullmatch(r"\d+(us|ms|s|min|h)?", DB_STATEMENT_TIMEOUT):
    raise ImproperlyConfigured(
        f"DB_STATEMENT_TIMEOUT={DB_STATEMENT_TIMEOUT!r} is not a duration such as 30s or 500ms."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # The JIT compiler pays off for long analytical queries, not for the short
    # ones an API runs: on a ranked search over 1M rows it added 110-170 ms.
    options.setdefault("options", "-c jit=off")
    # Sent in the start-up packet, so it costs no query per connection.
    options["options"] += f" -c statement_timeout={DB_STATEMENT_TIMEOUT}"
    options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    # Django's cursors bind parameters on the client and never prepare (it
    # sets no threshold, for connection poolers); this lets the server-binding
    # cursors of common.rows prepare the part queries of a page, planned once
    # per connection. It changes nothing for any other query.
    options.setdefault("prepare_threshold", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A persistent connection buys nothing on SQLite and keeps the file locked.
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds the same
# indexes on their key columns, which is all it needs. No warning for that.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- logins (django-axes) --------------------------------------------------------
# Every login (the admin's, the browsable API's, the token endpoint) goes through
# authenticate(), where axes refuses a client that failed too often: after
# AXES_FAILURE_LIMIT failures from one address, or for one username, that address
# or username is locked out for AXES_COOLOFF_TIME hours after its last failure,
# right password or not. `manage.py axes_reset` (or axes_reset_ip /
# axes_reset_username) unlocks. The attempts live in the database, one count for
# every worker.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(hours=env.float("AXES_COOLOFF_TIME", default=1.0))
# Either one locks: guessing many passwords for one user from many addresses,
# or many users' passwords from one address.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# The same client address as the API's throttles (NUM_PROXIES decides whether
# X-Forwarded-For is trusted).
AXES_CLIENT_IP_CALLABLE = "common.auth.client_ip"
AXES_USERNAME_CALLABLE = "common.auth.client_username"
AXES_LOCKOUT_CALLABLE = "common.auth.lockout_response"
# No log of successful logins: it would keep every curator's address for ever.
AXES_DISABLE_ACCESS_LOG = True
# Unlocking is `manage.py axes_reset`; the admin gets no pages of login records.
AXES_ENABLE_ADMIN = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The cache holds the API's throttle counters, written on every API request, so
# it is not the database (a read-only database would fail every GET) and not
# local memory in production (each gunicorn worker would count on its own and a
# client get WEB_CONCURRENCY times the rate): Redis, through django-redis,
# from CACHE_URL (any django-environ cache URL) or REDIS_URL (redis://host:6379/0).
# The demo and the tests keep local memory. Sessions stay in the database, so
# a Redis restart logs nobody out.
_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
if not _cache_url:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set REDIS_URL (e.g. redis://redis:6379/0) or CACHE_URL when DEBUG is off: "
            "the throttle counters are shared by every worker through it."
        )
    _cache_url = "locmemcache://"
CACHES = {"default": env.cache_url_config(_cache_url)}
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
    # A Redis that hangs must not hold a request either (seconds; the URL's
    # ?socket_timeout= and ?socket_connect_timeout= override).
    _redis_options = CACHES["default"].setdefault("OPTIONS", {})
    _redis_options.setdefault("SOCKET_CONNECT_TIMEOUT", 2)
    _redis_options.setdefault("SOCKET_TIMEOUT", 2)
# Redis down: requests go on unthrottled and the error is logged, rather than
# every API request failing; /health/ready/ reports the cache as unreachable.
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Production hardening; every value can be overridden from the environment.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Probes speak plain HTTP to the container, inside the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# The DEBUG error page (and the admins' error mails) hide settings and request
# variables whose names look secret; ours also hide every URL and cache
# LOCATION, which carry passwords (DATABASE_URL, REDIS_URL in os.environ, which
# runserver copies into request.META).
DEFAULT_EXCEPTION_REPORTER_FILTER = "common.reporting.ExceptionReporterFilter"

# Content-Security-Policy on every response (django-csp). Scripts and styles only
# from this origin: the admin, the browsable API and Swagger UI (its start-up
# script served as a file, see config/urls.py) need no inline script. The API's
# HTML pages set inline styles, so common.csp adds 'unsafe-inline' for style there.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Swagger UI's and the admin's icons are SVG data: URIs in their CSS.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

#: Where the API finds the survivor of a record merged away, to redirect to it
#: (common.api.views.ApiModelViewSet.merged_into_url).
MERGED_RECORD_URL = "editorial.api.redirects.merged_into_url"

# Cross-origin reads of the API (django-cors-headers): any origin may GET,
# HEAD and preflight under /api/; common/cors.py lets an origin in for reads
# only, so writes stay same-origin. No credentials: a page elsewhere reads
# what an anonymous client reads.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = False
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
# What a page may read of an answer beyond the CORS-safelisted headers.
CORS_EXPOSE_HEADERS = ("ETag", "Content-Disposition", "Retry-After", "Link", "X-Total-Count")

REST_FRAMEWORK = {
    # Token first, so an anonymous write is answered 401 with a
    # `WWW-Authenticate: Token` challenge; sessions serve the browsable API.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Anonymous clients get a modest rate and token holders a generous one, per
    # client IP or user; over it a request gets 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "common.api.throttling.AnonThrottle",
        "common.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("ANON_THROTTLE_RATE", default="120/minute") or None,
        "user": env.str("USER_THROTTLE_RATE", default="1200/minute") or None,
        "login": env.str("LOGIN_THROTTLE_RATE", default="10/minute") or None,
    },
    # Behind a reverse proxy set NUM_PROXIES=1, so the client address comes from
    # X-Forwarded-For; 0 trusts no such header (it could be forged).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.ApiPagination",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "common.api.negotiation.ApiContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "common.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "common.api.exceptions.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "common.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "common.api.renderers.FastJSONRenderer",
        "common.api.browsable.BrowsableAPIRenderer",
        # `?format=csv`: a list's page as CSV (only when asked: JSON stays the default).
        "common.api.renderers.ListCSVRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The full exports (trade-register CSV, JSON Lines) run `export_transfers` in
# a child process at a raised nice value, so that while they run other
# clients keep the CPU (common/child_command.py). Each web worker runs at most
# CHILD_COMMANDS_PER_WORKER at once; one more is a 503 with Retry-After.
EXPORTS_IN_CHILD_PROCESS = env.bool("EXPORTS_IN_CHILD_PROCESS", default=True)
CHILD_COMMANDS_PER_WORKER = env.int("CHILD_COMMANDS_PER_WORKER", default=2)
CHILD_COMMAND_NICENESS = env.int("CHILD_COMMAND_NICENESS", default=19)

# API tokens (django-rest-knox): stored as SHA-512 digests, one per login, each
# expiring TOKEN_TTL_HOURS after it was issued; `Authorization: Token <key>` as before.
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=env.float("TOKEN_TTL_HOURS", default=10.0)),
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Open Arms Transfers API",
    "DESCRIPTION": (
        "Who supplied which weapon system to whom, when, and on what evidence.\n\n"
        "Anyone may read. Writes need a token (`Authorization: Token <key>`) or a session, "
        "and the matching Django model permission. Related records are written as an id "
        "or a slug and read as brief objects. Dates carry their precision: "
        '`"start_date": "2016"` with `"start_date_precision": "year"` means some time in '
        "2016. Detail responses carry an `ETag`; send it back as `If-Match` when writing "
        "and a stale write is refused with 412. Lists are paginated (`page`, `page_size` "
        "up to 500) and take `updated_since` for incremental sync."
    ),
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from the package, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.schema.blank_as_empty_string",
        "common.api.schema.drop_unreferenced_components",
    ],
    # Request bodies are documented as JSON alone: a client generated from a
    # schema offering JSON, form and multipart bodies for each write did not
    # import (openapi-python-client). The form parsers stay in
    # DEFAULT_PARSER_CLASSES for the browsable API's HTML forms and the
    # README's `curl -d username=… /api/auth/token/` login.
    "PARSER_WHITELIST": ["common.api.parsers.JSONParser"],
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "actors.choices.ActorKind",
        "RelationKindEnum": "actors.choices.RelationKind",
        "SourceKindEnum": "sources.choices.SourceKind",
        "ReliabilityEnum": "sources.choices.Reliability",
        "StanceEnum": "transfers.choices.Stance",
        "SystemCategoryEnum": "transfers.choices.SystemCategory",
        "TransferTypeEnum": "transfers.choices.TransferType",
        "StageEnum": "transfers.choices.Stage",
        "ConditionEnum": "transfers.choices.Condition",
        "IntermediaryRoleEnum": "transfers.choices.IntermediaryRole",
        "ValueKindEnum": "transfers.choices.ValueKind",
        "CredibilityEnum": "transfers.choices.Credibility",
        "ContradictionKindEnum": "transfers.choices.ContradictionKind",
        "ContradictionStateEnum": "transfers.choices.ContradictionState",
        "DatePrecisionEnum": "common.dates.DatePrecision",
    },
}
