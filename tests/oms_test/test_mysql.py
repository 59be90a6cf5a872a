"""On MySQL/MariaDB through PyMySQL: migrations run and utf8mb4 text round-trips."""

import uuid
from urllib.parse import urlsplit

import pytest

from tests.processes import manage

pytestmark = [pytest.mark.integration, pytest.mark.mysql]

ROUND_TRIP = """
from store.models import Store
Store.objects.create(code="EMOJI1", name="鲜果旗舰店🍊🚚", platform="tmall")
print(Store.objects.get(code="EMOJI1").name)
"""


@pytest.fixture
def scratch_database(mysql_url):
    import pymysql

    parts = urlsplit(mysql_url)
    name = f"oms_scratch_{uuid.uuid4().hex[:8]}"
    conn = pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username,
        password=parts.password or "",
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def test_migrations_run_and_chinese_with_emoji_round_trips(process_env, scratch_database):
    process_env["OMS_DATABASE_URL"] = scratch_database
    migrated = manage("migrate", "--noinput", env=process_env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    shell = manage("shell", "-c", ROUND_TRIP, env=process_env)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip().splitlines()[-1] == "鲜果旗舰店🍊🚚"
