import pymysql

# Django's MySQL backend imports MySQLdb; PyMySQL stands in for it (pure Python).
pymysql.install_as_MySQLdb()

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
