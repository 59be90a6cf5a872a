"""The folders of this host's own state, made when the project starts (``BasicConfig.ready``).

settings.py only reads the environment; a fresh checkout, or an empty ``OMS_VAR_DIR``,
gets its folders here before anything writes to them: the SQLite file's folder (SQLite
makes the file, not its folder), the static root (WhiteNoise warns when it is missing) and
the embedded broker's results and locks (Celery's file backend refuses a missing folder;
utils/filesystem_broker.py makes its own).
"""

from pathlib import Path


def make_local_folders(settings) -> None:
    folders = [settings.VAR_DIR, settings.STATIC_ROOT]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
        folders.append(Path(database["NAME"]).parent)
    if settings.CELERY_RESULT_BACKEND.startswith("file://"):
        folders += [settings.BROKER_DIR / "results", settings.BROKER_DIR / "once"]
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)
