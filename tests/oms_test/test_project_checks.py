"""The project passes Django's own checks, on a laptop and in production."""

import secrets

from tests.processes import manage


def test_check_and_migrations_are_clean(process_env):
    checked = manage("check", "--fail-level", "WARNING", env=process_env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    migrations = manage("makemigrations", "--check", "--dry-run", env=process_env)
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr


def test_production_settings_pass_check_deploy(process_env):
    process_env.update(
        OMS_DEBUG="0",
        OMS_SECRET_KEY=secrets.token_urlsafe(50),
        OMS_ALLOWED_HOSTS="oms.example.com",
        OMS_CSRF_TRUSTED_ORIGINS="https://oms.example.com",
    )
    checked = manage("check", "--deploy", "--fail-level", "WARNING", env=process_env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_debug_off_without_secure_settings_is_flagged(process_env):
    process_env.update(
        OMS_DEBUG="0", OMS_SECURE_COOKIES="0", OMS_SECRET_KEY=secrets.token_urlsafe(50)
    )
    checked = manage("check", "--deploy", "--fail-level", "WARNING", env=process_env)
    assert checked.returncode != 0
    assert "SESSION_COOKIE_SECURE" in checked.stdout + checked.stderr
