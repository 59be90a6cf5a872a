"""The benchmark harness behind ``make bench`` and ``make bench-quick`` (``python -m bench``).

Every measured case runs in a fresh process: a real Celery worker for our imports and
exports, a plain Python process for the raw limits and django-import-export. The driver
(``bench.__main__``) never imports Django; the Django-side pieces are the modules run with
``python -m bench.<module>`` in those processes.
"""
