"""Loguru writes each concern to its own file under OMS_LOG_DIR."""

from datetime import date

from tests.processes import run_python

LOG_FROM_A_DJANGO_PROCESS = """
import django, logging
django.setup()
from loguru import logger
logger.info("web-marker")
logger.bind(concern="file").info("file-marker")
logger.bind(concern="crontab").info("crontab-marker")
logging.getLogger("django.request").warning("stdlib-marker")
"""


def test_each_concern_goes_to_its_own_file(process_env, tmp_path):
    done = run_python(LOG_FROM_A_DJANGO_PROCESS, process_env)
    assert done.returncode == 0, done.stderr
    today = date.today().isoformat()

    def read(concern):
        return (tmp_path / "logs" / concern / f"{concern}_{today}.log").read_text()

    web = read("web")
    assert "web-marker" in web and "stdlib-marker" in web
    assert "file-marker" not in web
    assert "file-marker" in read("file")
    assert "crontab-marker" in read("crontab") and "web-marker" not in read("crontab")
