"""RabbitMQ as the broker: jobs run on real workers, exports keep their own queue,
/healthz lists the workers per queue, one user's jobs wait for a free slot, and the
sweeper's queue sizes are RabbitMQ's own."""

import json
import time

import pytest

from basic.filejobs.models import FileJob, JobStatus
from store.models import OrderItem
from tests.basic.test_queues_and_slots import _most_at_once
from tests.factories import PASSWORD
from tests.job_helpers import SKUS, job_id_from, wait_for
from tests.order_files import order_sheet, write_csv, write_xlsx
from tests.processes import HttpSession, WebProcess, WorkerProcess, free_port, manage, run_python
from tests.rabbitmq import assert_on_rabbitmq, queue_size

pytestmark = [
    pytest.mark.integration,
    pytest.mark.amqp,
    pytest.mark.django_db(transaction=True),
    pytest.mark.database_neutral,
]

TOKEN = "amqp-test-monitoring-token"


def _workers(env, amqp_url, *specs: tuple[str, ...]) -> list[WorkerProcess]:
    workers = [WorkerProcess(env, "--concurrency", "1", *spec) for spec in specs]
    for worker in workers:
        worker.wait_ready()
        assert_on_rabbitmq(worker.text, amqp_url)
    return workers


def test_an_upload_runs_over_rabbitmq_and_exports_keep_their_own_queue(
    operator, amqp_env, amqp_url, tmp_path
):
    env = {**amqp_env, "OMS_HEALTHZ_TOKEN": TOKEN}
    workers = _workers(
        env,
        amqp_url,
        ("-Q", "imports,default,maintenance", "--hostname", "imports@%h"),
        ("-Q", "exports", "--hostname", "exports@%h"),
    )
    web = WebProcess(env)
    try:
        browser = HttpSession(web.url)
        browser.login(operator.username, PASSWORD)
        rows = order_sheet(3_000, stores=["A001", "B001"], skus=SKUS).rows
        content = write_xlsx(tmp_path / "o.xlsx", rows).read_bytes()
        status, _headers, body = browser.upload(
            "/api/jobs/import/", {"kind": "order"}, "订单.xlsx", content
        )
        assert status == 202, body
        job = wait_for(json.loads(body)["id"])
        exported = manage(
            "excel_export", "order", "--user", operator.username, "--format", "csv", "--wait",
            "--timeout", "180", env=env,
        )  # fmt: skip
        assert exported.returncode == 0, exported.stdout + exported.stderr
        export = FileJob.objects.get(pk=job_id_from(exported.stdout))
        health_status, _headers, health = browser.request(
            "GET", "/healthz", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    finally:
        web.stop()
        for worker in workers:
            worker.stop()

    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.created == 3_000 and OrderItem.objects.count() == 3_000
    assert job.worker.startswith("imports@")
    assert export.status == JobStatus.SUCCEEDED and export.total == 3_000
    assert export.worker.startswith("exports@")
    assert health_status == 200, health
    detail = json.loads(health)
    assert detail["broker"] == {"ok": True, "transport": "amqp"}
    queues = detail["workers"]["queues"]
    assert [name.split("@")[0] for name in queues["exports"]] == ["exports"]
    for queue in ("imports", "default", "maintenance"):
        assert [name.split("@")[0] for name in queues[queue]] == ["imports"]


CREATE_IMPORTS = """
import django
django.setup()
from pathlib import Path
from django.core.files import File
from basic.filejobs.requests import import_job_create
from user.models import User

user = User.objects.get(username={username!r})
for path in {paths!r}:
    with open(path, "rb") as handle:
        job, created = import_job_create(
            user=user, kind="order", uploaded=File(handle, Path(path).name), language="en"
        )
    print("job", job.pk, "queued")
"""


def test_one_users_jobs_wait_for_a_free_slot_over_rabbitmq(
    operator, amqp_env, amqp_url, settings, tmp_path
):
    assert settings.MAX_RUNNING_JOBS_PER_USER == 2
    paths = [
        str(write_csv(tmp_path / f"{n}.csv", order_sheet(5_000, stores=["A001"], skus=SKUS,
                                                         prefix=f"S{n}").rows))
        for n in range(4)
    ]  # fmt: skip
    # more pool processes than one user's slots: the limit, not the pool, holds them back
    worker = WorkerProcess(amqp_env, "--concurrency", "3", "--hostname", "slots@%h")
    try:
        worker.wait_ready()
        assert_on_rabbitmq(worker.text, amqp_url)
        created = run_python(
            CREATE_IMPORTS.format(username=operator.username, paths=paths), amqp_env
        )
        assert created.returncode == 0, created.stderr
        ids = [
            int(line.split()[1]) for line in created.stdout.splitlines() if line.startswith("job")
        ]
        waiting_seen = False
        deadline = time.monotonic() + 300
        while FileJob.objects.filter(pk__in=ids, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]):
            # it says why: a free slot, or its turn behind an earlier job that has not started
            waiting = FileJob.objects.filter(message__startswith="Waiting for")
            waiting_seen = waiting_seen or waiting.exists()
            assert time.monotonic() < deadline, "the jobs did not end in time"
            time.sleep(0.05)
        jobs = [wait_for(job_id, timeout=240) for job_id in ids]
    finally:
        worker.stop()

    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED] * 4
    assert _most_at_once(jobs) == 2
    assert waiting_seen
    assert [job.pk for job in sorted(jobs, key=lambda job: job.started_at)] == ids
    assert OrderItem.objects.count() == 4 * 5_000


COUNT_MESSAGES = """
import django, json
django.setup()
from basic.filejobs.broker_queues import ready_messages
from oms_test.celery import debug_task

counts = [ready_messages("imports")]
for _ in range(3):
    debug_task.apply_async(queue="imports")
counts += [ready_messages("imports"), ready_messages("no-such-queue"), ready_messages("imports")]
print(json.dumps(counts))
"""


def test_ready_messages_counts_what_rabbitmq_holds_and_a_missing_queue_as_empty(amqp_env, amqp_url):
    counted = run_python(COUNT_MESSAGES, amqp_env)
    assert counted.returncode == 0, counted.stderr
    # before any worker declared it, the queue does not exist: none, not an error
    assert json.loads(counted.stdout.strip().splitlines()[-1]) == [0, 3, 0, 3]
    assert queue_size(amqp_url, "imports") == 3  # in RabbitMQ, not in a local folder
    assert queue_size(amqp_url, "no-such-queue") is None  # asking created nothing

    unreachable = {**amqp_env, "OMS_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}//"}
    asked = run_python(
        "import django; django.setup()\n"
        "from basic.filejobs.broker_queues import ready_messages\n"
        "print(ready_messages('imports'))",
        unreachable,
    )
    assert asked.stdout.strip().splitlines()[-1] == "None", asked.stderr  # not known: not 0
