"""The file-job engine: Excel and CSV files in and out as jobs that workers run.

A request becomes a job row; the broker only carries its id; a worker claims the row
with a conditional UPDATE, runs the pipeline in committed chunks, and ends the row. The
row is the truth: any process on any host may look at it, and the sweeper mends what a
dead worker or a lost message left.

Where things are (each module's docstring says more), from the top layer down; a module
imports only from the layers below its own (pyproject.toml, ``[tool.importlinter]``):

* ``urls``, ``views`` (job center, import and job pages), ``api`` (JSON, docs/API.md),
  ``admin_mixins`` (export and import buttons of the admin lists), ``middleware``,
  ``context_processors``; ``cron`` (per-host upkeep for django-crontab).
* ``tasks``: the Celery tasks, thin: ids in, one service each.
* ``requests``: accepting an upload or an export request (checks, quota, the job row);
  ``runner``: running a claimed job or part, the one failure sequence of every run;
  ``sweeper``: queued jobs without a message, dead workers' jobs and parts;
  ``cleanup``: expiry of job files and history.
* ``lifecycle``: where a job (or part) is claimed (``job_claim``, ``part_claim``, one
  ``_take``), waits for a slot or its turn, beats, fails, is cancelled or retried.
* ``dispatch``: handing jobs and parts to the broker (imports ``tasks``; the one cycle,
  closed by imports in the task bodies, as Celery projects do).
* ``pipeline/``: the steps, which never claim or send: ``import_job`` (one task, or
  split), ``imports`` (header, where an order line's cells are converted:
  ``convert_rows`` with each column's ``sheets.cell_types`` converter, then the kind's
  ``validate`` and ``write``, e.g. ``store/excel.py``'s ``OrderSpec``), ``parts``,
  ``export``, ``error_report`` (where the error report is written:
  ``error_report_write``), ``templates``, ``rejections``, ``seen_keys``.
* ``claims`` (a run's token and when a worker counts as dead), ``quotas``,
  ``selectors`` (who sees which jobs), ``job_files`` (every file through the job
  storage), ``faults``, ``health`` (/healthz), ``broker_queues``, ``once_backends``,
  ``cron_runner``, ``host``, ``scratch``.
* ``sheets/``: a kind's spec (``specs``), its columns (``columns``), one class per cell
  type (``cell_types``), the upsert of flat kinds (``upsert``, ``fast_insert``).
* ``models`` (FileJob, ImportPart, ImportRowError, ImportKeys: the ``basic`` app's
  models, in its tables) and ``errors`` (every exception of the engine).

Where this departs from shared/STYLE.md: the pipeline's steps take ``(job, claim)``
positionally, not keyword-only as the HackSoft guide has services: they are called
from one place each (the runner, or the step above), and the claim travels with the job
through every write. The engine imports absolutely (``basic.filejobs.…``), as Django
does, so that a module's imports say which layer they come from.
"""
