"""Settings for the OMS back office: one module, every knob an ``OMS_*`` variable.

The defaults run on one laptop with no server at all (SQLite under ``var/``, a
filesystem Celery broker, celery_once's file backend). Production sets the variables
listed in docs/OPERATIONS.md and passes ``manage.py check --deploy``.
"""

import os
import secrets
import shlex
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def env_path(name: str, default: Path) -> Path:
    path = Path(env.str(name, default=str(default)))
    return path if path.is_absolute() else BASE_DIR / path


# This host's own state (SQLite file, embedded broker, scratch files, laptop secret):
# folders are made where they are first used (oms_conf/local_state.py), not here.
VAR_DIR = env_path("OMS_VAR_DIR", BASE_DIR / "var")


def _laptop_secret_key() -> str:
    """The key `make run` keeps in var/secret_key (no secret lives in the repository); a
    process started without one (a test, a one-off command) gets a key of its own."""
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    return secrets.token_urlsafe(50)


DEBUG = env.bool("OMS_DEBUG", default=True)
SECRET_KEY = env.str("OMS_SECRET_KEY", default="") or _laptop_secret_key()
ALLOWED_HOSTS = env.list("OMS_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("OMS_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The project's apps first: their templates (admin/base_site.html) and commands
    # (`crontab`, wrapping django-crontab's) take precedence.
    "basic",
    "store",
    "user",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_crontab",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "basic.filejobs.middleware.UploadSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Failed logins are limited (django-axes, user/login_limits.py) per user name and address
# (OMS_LOGIN_FAILURE_LIMIT), per address whatever the user names (password spraying), and
# for the whole site (spraying from many addresses: then any address that failed is locked
# out); each lockout lasts OMS_LOGIN_COOLOFF_MINUTES after the last failure.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "user.login_limits.LoginLimitsHandler"
AXES_FAILURE_LIMIT = env.int("OMS_LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("OMS_LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_GLOBAL_FAILURE_LIMIT = env.int("OMS_LOGIN_GLOBAL_FAILURE_LIMIT", default=200)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("OMS_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Reverse proxies in front of the web: the limits count the address the outermost one saw.
PROXY_COUNT = env.int("OMS_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "user.login_limits.client_address"

ROOT_URLCONF = "oms_test.urls"
WSGI_APPLICATION = "oms_test.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "basic.filejobs.context_processors.running_jobs",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("OMS_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'oms.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web, the worker and beat share one file: WAL and IMMEDIATE transactions keep
    # progress updates and claims from failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that worker processes started by tests see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_oms.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"]["OPTIONS"] = {
        "charset": "utf8mb4",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
    }
    DATABASES["default"]["TEST"] = {
        "CHARSET": "utf8mb4",
        "COLLATION": "utf8mb4_unicode_ci",
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("OMS_DB_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "user.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "admin:index"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time ----------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("OMS_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Files ----------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env_path("OMS_STATIC_ROOT", VAR_DIR / "static")
FILES_ROOT = env_path("OMS_FILES_ROOT", BASE_DIR / "files")
# Temporary files of running jobs on this host (basic/scratch.py): local disk, per host.
SCRATCH_DIR = env_path("OMS_SCRATCH_DIR", VAR_DIR / "scratch")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Every job file (uploads, results, error reports) goes through this one storage.
    "jobs": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": FILES_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# With OMS_S3_BUCKET, job files live in a private S3-compatible bucket (AWS, MinIO, Ceph)
# shared by every host instead of OMS_FILES_ROOT. Without a key pair, boto3 looks for
# credentials its usual way (AWS_* variables, instance role).
S3_BUCKET = env.str("OMS_S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["jobs"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("OMS_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("OMS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("OMS_S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("OMS_S3_REGION", default="") or None,
            "location": env.str("OMS_S3_PREFIX", default="").strip("/"),
            "default_acl": None,  # no ACL sent: objects are as private as the bucket
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
            "signature_version": "s3v4",
            "addressing_style": "path",  # MinIO and most S3 look-alikes need path style
            # An opened object is downloaded whole: past 2 MB into a temp file, not memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
# Downloads answer a redirect to a short-lived signed URL of the bucket instead of
# streaming through the app (after the same permission check).
S3_PRESIGNED_DOWNLOADS = bool(S3_BUCKET) and env.bool("OMS_S3_PRESIGNED_DOWNLOADS", default=False)
MAX_UPLOAD_MB = env.int("OMS_MAX_UPLOAD_MB", default=50)
# The address this host reports as its own (behind NAT); detected when empty.
HOST_IP = env.str("OMS_HOST_IP", default="")
# The password of the demo accounts seed_demo creates; generated and printed when empty.
DEMO_PASSWORD = env.str("OMS_DEMO_PASSWORD", default="")
# A small .xlsx may expand enormously (zip bomb): refused before any reader expands it.
MAX_XLSX_UNCOMPRESSED_MB = env.int("OMS_MAX_XLSX_UNCOMPRESSED_MB", default=1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_TTL_DAYS = env.int("OMS_UPLOAD_TTL_DAYS", default=30)
EXPORT_TTL_DAYS = env.int("OMS_EXPORT_TTL_DAYS", default=7)
# .xls files are built in memory (xlwt): larger exports must choose xlsx or csv.
XLS_MAX_ROWS = env.int("OMS_XLS_MAX_ROWS", default=100_000)
# A running job beats every JOB_HEARTBEAT_SECONDS; one whose heartbeat is older than
# OMS_JOB_STALE_MINUTES lost its worker: another worker may claim it, the sweeper re-queues it.
JOB_STALE_MINUTES = env.float("OMS_JOB_STALE_MINUTES", default=1.0)
JOB_HEARTBEAT_SECONDS = min(15.0, JOB_STALE_MINUTES * 60 / 4)
# A queued job sent this long ago and still not started lost its message; sent again.
JOB_REQUEUE_MINUTES = env.int("OMS_JOB_REQUEUE_MINUTES", default=15)
# Sooner when the broker shows it: a job sent more than JOB_LOST_SECONDS ago whose queue
# holds no message (or whose later jobs in that queue have started) is sent again.
JOB_LOST_SECONDS = env.int("OMS_JOB_LOST_SECONDS", default=30)
# A message sent this recently may be in a worker's hands: an earlier job of the same
# user sent so recently still goes first (see basic.filejobs.lifecycle._why_wait).
JOB_IN_FLIGHT_SECONDS = env.int("OMS_JOB_IN_FLIGHT_SECONDS", default=5)
JOB_HISTORY_DAYS = env.int("OMS_JOB_HISTORY_DAYS", default=90)
# An import of more rows than this is read once, cut into parts of about
# IMPORT_PART_ROWS rows, and the parts run as separate tasks on any worker; at most
# IMPORT_PARTS_AT_ONCE of one job are in the queue or running, so other jobs get turns.
IMPORT_SPLIT_ROWS = env.int("OMS_IMPORT_SPLIT_ROWS", default=50_000)
IMPORT_PART_ROWS = env.int("OMS_IMPORT_PART_ROWS", default=10_000)
IMPORT_PARTS_AT_ONCE = env.int("OMS_IMPORT_PARTS_AT_ONCE", default=4)
# Parts are cut from the rows really read, never from what a file declares; a file
# needing more parts than this is refused. The default fits a sheet of Excel's last row.
# (1,048,576: utils.excel_read.limits.MAX_ROW, not imported here to keep settings light)
IMPORT_MAX_PARTS = env.int("OMS_IMPORT_MAX_PARTS", default=-(-1_048_576 // IMPORT_PART_ROWS))
# Header cells kept on the job (its options) and repeated in the error report; a header
# row wider than this is read up to here, and the job says so.
IMPORT_MAX_HEADER_CELLS = env.int("OMS_IMPORT_MAX_HEADER_CELLS", default=1024)
# A running import checks every this many rows read (blank ones too) that it is still
# its own: a cancel stops it within that many rows, not at its next committed chunk.
IMPORT_CANCEL_CHECK_ROWS = env.int("OMS_IMPORT_CANCEL_CHECK_ROWS", default=5000)

# Security (on by default whenever DEBUG is off) -----------------------------------------

SESSION_COOKIE_SECURE = env.bool("OMS_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("OMS_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("OMS_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("OMS_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("OMS_HSTS_PRELOAD", default=not DEBUG)
if env.bool("OMS_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# /healthz: anonymous callers get 200/503 from a result this many seconds old at most;
# the detail (drivers, errors, workers) is for superusers and this bearer token.
HEALTHZ_CACHE_SECONDS = env.float("OMS_HEALTHZ_CACHE_SECONDS", default=5.0)
HEALTHZ_TOKEN = env.str("OMS_HEALTHZ_TOKEN", default="")
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "basic.filejobs.api.csrf_failure"  # JSON under /api/, Django's page elsewhere
# One user's share (basic/quotas.py; superusers have no limits, 0 turns one off): jobs
# started per hour, and MB of uploads kept on the server until they expire.
MAX_JOBS_PER_HOUR = env.int("OMS_MAX_JOBS_PER_HOUR", default=25)
MAX_STORED_MB_PER_USER = env.int("OMS_MAX_STORED_MB_PER_USER", default=1024)
# Rows an export of selected rows may name (ids); a bigger selection exports its filters.
EXPORT_MAX_IDS = env.int("OMS_EXPORT_MAX_IDS", default=10_000)

# Celery ---------------------------------------------------------------------------------

REDIS_URL = env.str("OMS_REDIS_URL", default="")
# Any Celery broker (amqp://, redis://); without it, the Redis of OMS_REDIS_URL, and
# without that, the embedded broker below. Results and celery_once locks live in Redis
# whenever OMS_REDIS_URL is set, whatever the broker.
BROKER_URL = env.str("OMS_BROKER_URL", default="") or REDIS_URL
BROKER_DIR = VAR_DIR / "broker"
# Sending a job waits at most this long for the broker (basic.filejobs.dispatch.job_enqueue): one
# that stopped answering leaves the job queued for the sweeper instead of holding the
# web request that created it.
BROKER_PUBLISH_TIMEOUT = 10.0


def _broker_transport_options(url: str) -> dict:
    if url.startswith(("redis://", "rediss://")):
        # A message taken by a worker that dies comes back only after this; keep it
        # above the longest job (the sweeper recovers stale jobs sooner).
        visibility = env.int("OMS_REDIS_VISIBILITY_TIMEOUT", default=4 * 3600)
        return {
            "visibility_timeout": visibility,
            # A worker looks for such messages every interval × throttle seconds (kombu's
            # 10 × 10 would add 100 s to a short timeout): every 10 s, or sooner.
            "unacked_restore_interval": max(1, min(10, visibility // 2)),
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": 5,
        }
    if url.startswith(("amqp://", "amqps://", "pyamqp://")):
        # A publish returns once RabbitMQ has taken the message (publisher confirms), so
        # a broker that stopped or refused it raises instead of losing it silently.
        return {"confirm_publish": True, "connect_timeout": 5}
    return {}


if BROKER_URL:
    CELERY_BROKER_URL = BROKER_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = _broker_transport_options(BROKER_URL)
else:
    # Server-less broker for one machine: the processes share BROKER_DIR through the
    # filesystem transport of utils/filesystem_broker.py (kombu's own loses messages).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "utils.filesystem_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "broker_folder": str(BROKER_DIR),
        # One poll a second by default; 0.1 s starts a job about ten times sooner.
        "polling_interval": 0.1,
    }
if REDIS_URL:
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_ONCE = {
        "backend": "celery_once.backends.Redis",
        "settings": {"url": REDIS_URL, "default_timeout": 60 * 60},
    }
else:
    # This host's files: enough for one machine; a cluster needs OMS_REDIS_URL, or a
    # job sent from two hosts at once could be queued twice (the claim still runs it once).
    CELERY_RESULT_BACKEND = f"file://{BROKER_DIR / 'results'}"
    CELERY_ONCE = {
        "backend": "basic.filejobs.once_backends.File",
        "settings": {"location": str(BROKER_DIR / "once"), "default_timeout": 60 * 60},
    }

# Queues: jobs by direction, so that a worker started with `-Q exports` serves exports
# only and a small export never waits behind a long import; upkeep apart. A worker
# started without -Q consumes them all.
JOB_QUEUES = {"import": "imports", "export": "exports"}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "imports", "exports", "maintenance")]
CELERY_TASK_ROUTES = {
    "basic.tasks.sweep_jobs": {"queue": "maintenance"},
    "basic.tasks.purge_job_history": {"queue": "maintenance"},
    "store.tasks.daily_store_exports": {"queue": "maintenance"},
}
# At most this many jobs of one user run at once (0: no limit); the others wait, in order.
MAX_RUNNING_JOBS_PER_USER = env.int("OMS_MAX_RUNNING_JOBS_PER_USER", default=2)

CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each pool process of a worker is killed once its resident memory passes this, while
# its task runs (oms_test/worker_memory.py), and replaced after a task that took more
# than three quarters of it (Celery's own check, once the task has ended). A task is
# killed after OMS_TASK_TIME_LIMIT_MINUTES. A job that stopped its worker twice either
# way is failed, not run again (basic.filejobs.claims.MAX_ATTEMPTS). 0 turns a limit off.
WORKER_MAX_MEMORY_MB = env.int("OMS_WORKER_MAX_MEMORY_MB", default=2048)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = WORKER_MAX_MEMORY_MB * 1024 * 3 // 4 or None
CELERY_TASK_TIME_LIMIT = env.int("OMS_TASK_TIME_LIMIT_MINUTES", default=120) * 60 or None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Cluster-wide periodic work: exactly one `celery -A oms_test beat` per cluster.
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "basic.tasks.sweep_jobs",
        "schedule": env.float("OMS_SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    "daily-store-exports": {
        "task": "store.tasks.daily_store_exports",
        "schedule": crontab(minute=30, hour=0),
    },
    "purge-job-history": {
        "task": "basic.tasks.purge_job_history",
        "schedule": crontab(minute=45, hour=3, day_of_week="sunday"),
    },
}

# django-crontab (per host, through the system crontab) ----------------------------------

CRONJOBS = [
    ("* * * * *", "basic.filejobs.cron.cron_heartbeat"),
    ("17 * * * *", "basic.filejobs.cron.job_files_expire"),
    ("23 3 * * *", "basic.filejobs.cron.log_files_expire"),
]
CRONTAB_COMMENT = "oms-back-office"
CRONTAB_LOCK_JOBS = True
CRONTAB_DJANGO_MANAGE_PATH = str(BASE_DIR / "manage.py")
# cron starts jobs with an almost empty environment: the lines carry this process's
# OMS_* settings, and their output goes to the crontab log instead of mail.
CRONTAB_COMMAND_PREFIX = " ".join(
    f"{name}={shlex.quote(value)}"
    for name, value in sorted(os.environ.items())
    if name.startswith("OMS_") and not name.startswith("OMS_TEST_")
)
LOG_DIR = env_path("OMS_LOG_DIR", BASE_DIR / "logs")
LOG_LEVEL = env.str("OMS_LOG_LEVEL", default="INFO")
LOG_RETENTION_DAYS = env.int("OMS_LOG_RETENTION_DAYS", default=30)
CRON_OUTPUT_LOG = LOG_DIR / "crontab" / "cron-output.log"
CRONTAB_COMMAND_SUFFIX = f">> {shlex.quote(str(CRON_OUTPUT_LOG))} 2>&1"

# Logging: loguru, configured once (oms_conf/oms_log.py) ---------------------------------

# django.setup() calls it with LOGGING, after Django has switched the process to TIME_ZONE
# (the log files are named by date).
LOGGING_CONFIG = "oms_conf.oms_log.configure_django"
LOGGING = {"log_dir": LOG_DIR, "level": LOG_LEVEL, "retention_days": LOG_RETENTION_DAYS}
