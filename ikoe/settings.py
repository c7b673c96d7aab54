"""Settings for ikoe, read from environment variables.

Every variable is documented in ``docs/operations.md``. Helpers refuse values they do not
understand with a message that names the variable and what is allowed.
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not understood; use one of 1/0, true/false, yes/no, on/off."
    )


def env_choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in allowed:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not allowed; use one of {', '.join(allowed)}."
        )
    return value


def env_number(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not allowed; use a number from {low:g} to {high:g}."
        )
    return value


def env_int(name: str, default: int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not (text.isdigit() and low <= int(text) <= high):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not allowed; use a whole number from {low} to {high}."
        )
    return int(text)


def env_email(name: str, default: str) -> str:
    """An e-mail address, alone or with a name: ``ikoe@example.de`` or ``IKÖ <ikoe@example.de>``."""
    value = os.environ.get(name, "").strip() or default
    _name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not (at and local and domain and " " not in address):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an e-mail address; use e.g. ikoe@example.de or "
            "'IKÖ-Monitor <ikoe@example.de>'."
        )
    return value


DATA_DIR = Path(env_str("IKOE_DATA_DIR", str(Path.cwd() / "var"))).resolve()
RESTRICTED_DIR = DATA_DIR / "restricted"  # survey snapshots: never served
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = "/uploads/"  # no URL serves this folder; uploads are processed, not published

DEBUG = env_bool("IKOE_DEBUG", False)
SECRET_KEY = os.environ.get("IKOE_SECRET_KEY", "")
if not SECRET_KEY:
    # Local default: a key kept in the data folder, so sessions survive restarts.
    _key_file = DATA_DIR / "secret_key"
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not _key_file.exists():
            from django.core.management.utils import get_random_secret_key

            _key_file.write_text(get_random_secret_key())
            _key_file.chmod(0o600)
        SECRET_KEY = _key_file.read_text().strip()
    except OSError as exc:  # pragma: no cover - unwritable data folder
        raise ImproperlyConfigured(
            f"IKOE_DATA_DIR={DATA_DIR} is not writable and IKOE_SECRET_KEY is not set."
        ) from exc

ALLOWED_HOSTS = [
    h.strip() for h in env_str("IKOE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env_str("IKOE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "ikoe.accounts.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",  # htmx served from its own package (no outside host): the scenario page
    "ikoe.accounts.admin_site.LoginLockoutConfig",  # django-axes, with a German name
    "ikoe.reports",
    "ikoe.organisations",
    "ikoe.accounts",
    "ikoe.benchmarks",
    "ikoe.surveys",
    "ikoe.barriers",
    "ikoe.targets",
    "ikoe.assessment",
    "ikoe.measures",
    "ikoe.exchange",
    "ikoe.monitoring",  # only the migration history of tables that moved to the apps above
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ikoe.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ikoe.accounts.permissions.PermissionMapMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: a partial page for htmx requests
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ikoe.urls"
WSGI_APPLICATION = "ikoe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ikoe.accounts.views.navigation",
                "ikoe.exchange.context.navigation",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'ikoe.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept for a minute like PostgreSQL's: opening one (with the pragmas below)
    # for every request cost about 1 ms of a request's 3–15 ms (docs/performance.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered charts (ikoe.reports.charts), shared by the worker processes of ``ikoe serve``: files
# in the data directory, kept until ``ikoe serve`` starts again (a new release) or culled when
# there are more than MAX_ENTRIES.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "charts": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "charts"),
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Figures computed from the published data (ikoe.reports.cache): table rows with their
    # representation, trends, the API's cells; kept per data version, emptied when ikoe serve
    # starts.
    "figures": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "figures"),
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): after IKOE_LOGIN_FAILURE_LIMIT failed attempts for one user
# name from one address, that combination is locked for IKOE_LOGIN_LOCKOUT_MINUTES; a successful
# login (or a password reset) clears the count. The axes backend must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("IKOE_LOGIN_FAILURE_LIMIT", 5, 1, 100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("IKOE_LOGIN_LOCKOUT_MINUTES", 15, 1, 10080))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ikoe.accounts.login.lockout_response"
AXES_CLIENT_IP_CALLABLE = "ikoe.accounts.login.client_ip"
AXES_VERBOSE = False  # no banner on every start of a command; failures are still logged
AXES_DISABLE_ACCESS_LOG = True  # keep no record of successful logins (data minimisation)

# Reverse proxies in front of the platform (docs/operations.md, "Behind TLS"): with one or more,
# the client's address comes from X-Forwarded-For and HTTPS from X-Forwarded-Proto.
PROXY_COUNT = env_int("IKOE_PROXY_COUNT", 0, 0, 5)
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# E-mail (password reset, new accounts): SMTP when IKOE_EMAIL_HOST is set, otherwise every
# message is printed to the console (development).
EMAIL_HOST = env_str("IKOE_EMAIL_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("IKOE_EMAIL_PORT", 587, 1, 65535)
EMAIL_HOST_USER = env_str("IKOE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("IKOE_EMAIL_PASSWORD", "")
_email_security = env_choice("IKOE_EMAIL_SECURITY", "starttls", ("starttls", "tls", "none"))
EMAIL_USE_TLS = _email_security == "starttls"
EMAIL_USE_SSL = _email_security == "tls"
EMAIL_TIMEOUT = env_int("IKOE_EMAIL_TIMEOUT", 10, 1, 300)
DEFAULT_FROM_EMAIL = env_email("IKOE_EMAIL_FROM", "IKÖ-Monitor <ikoe@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = env_choice("IKOE_LANGUAGE", "de", ("de", "en"))
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served from the installed package (WhiteNoise with finders); a folder for
# "collectstatic" is only needed behind a separate web server.
STATIC_ROOT = os.environ.get("IKOE_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Disclosure control of published survey tables (docs/domain.md §5, docs/disclosure.md): minimum
# frequency k, minimum base n_min for shares, minimum declaration rate (per cent) and the
# protection width W (default k). Changing them takes effect at the next ``ikoe publish``.
SDC_MIN_COUNT = int(env_number("IKOE_SDC_MIN_COUNT", 3, 1, 100))
SDC_SHARE_BASE = int(env_number("IKOE_SDC_SHARE_BASE", 10, 1, 1000))
SDC_MIN_DECLARATION_RATE = env_number("IKOE_SDC_MIN_DECLARATION_RATE", 60, 0, 100) / 100
SDC_WIDTH = env_number("IKOE_SDC_WIDTH", SDC_MIN_COUNT, 0, 1000)

# Anonymised comparisons of the IKÖ-Check (docs/assessment.md, "Comparisons"): a peer group or a
# Land aggregate is shown only with at least this many organisations; the record keys of the cell
# key method come from the organisations' codes and this secret (by default derived from
# SECRET_KEY, so it stays the same as long as the key does).
ASSESSMENT_MIN_PEERS = env_int("IKOE_ASSESSMENT_MIN_PEERS", 5, 5, 1000)  # never below 5
ASSESSMENT_KEY_SECRET = (
    env_str("IKOE_ASSESSMENT_KEY_SECRET", "")
    or hashlib.sha256(("ikoe-assessment-cell-keys:" + SECRET_KEY).encode()).hexdigest()
)

# Limits of imported files (docs/operations.md, docs/surveys.md): a staff survey has at most some
# hundred thousand respondents (the platform is measured with up to five million) and a few dozen,
# at most a few hundred columns. Files beyond these limits are refused before they are read in full.
IMPORT_MAX_COLUMNS = int(env_number("IKOE_IMPORT_MAX_COLUMNS", 500, 10, 16384))
IMPORT_MAX_ROWS = int(env_number("IKOE_IMPORT_MAX_ROWS", 10_000_000, 100, 1_000_000_000))
IMPORT_MAX_CELLS = int(env_number("IKOE_IMPORT_MAX_CELLS", 150_000_000, 1000, 10_000_000_000))
IMPORT_MAX_XLSX_CELLS = int(
    env_number("IKOE_IMPORT_MAX_XLSX_CELLS", 25_000_000, 1000, 1_000_000_000)
)
IMPORT_MAX_UNPACKED_MB = env_number("IKOE_IMPORT_MAX_UNPACKED_MB", 2000, 1, 1_000_000)
IMPORT_MAX_PACKING_RATIO = env_number("IKOE_IMPORT_MAX_PACKING_RATIO", 100, 2, 100_000)
# Selection procedures the upload page protects within one request (docs/performance.md:
# 200 generated procedures take about 45 s of CPU, 500 about 5 minutes; gunicorn waits 120 s).
SELECTION_UPLOAD_MAX_PROCEDURES = int(
    env_number("IKOE_SELECTION_UPLOAD_MAX_PROCEDURES", 250, 1, 1_000_000)
)
# The column-mapping form has one field per heading of the survey file and of the personnel
# totals, and one per entry of its value step (at most 30 for each of the 17 columns of
# categories: 510); Django refuses larger forms with "400 Bad Request" (TooManyFieldsSent).
DATA_UPLOAD_MAX_NUMBER_FIELDS = max(1000, 2 * IMPORT_MAX_COLUMNS + 510 + 100)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("IKOE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTP Strict Transport Security, sent on HTTPS responses only; off (0) unless set.
SECURE_HSTS_SECONDS = env_int("IKOE_HSTS_SECONDS", 0, 0, 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("IKOE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("IKOE_HSTS_PRELOAD", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("IKOE_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    # django-axes tells of every login at INFO; a paused login (a lockout) is a WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
