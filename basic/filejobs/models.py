from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class JobDirection(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class ImportMode(models.TextChoices):
    CREATE_OR_UPDATE = "create_or_update", _("Create or update")
    CREATE_ONLY = "create_only", _("Create only")
    VALIDATE_ONLY = "validate_only", _("Validate only")


class FileJob(models.Model):
    """One import or export, from the request that asked for it to the file it produced.

    The row is the truth about a job: the broker message only carries its id, a worker
    claims it with a conditional UPDATE, and each committed chunk moves ``resume_after``
    and the counters in the same transaction as its rows, so a job that lost its worker
    resumes exactly where it stopped.
    """

    ENDED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

    kind = models.CharField(_("kind"), max_length=32)
    direction = models.CharField(_("direction"), max_length=8, choices=JobDirection.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=ImportMode.choices, blank=True)
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="file_jobs",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    language = models.CharField(_("language"), max_length=16, default="zh-hans")

    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    upload_name = models.CharField(_("stored upload"), max_length=255, blank=True)
    # SHA-256 of the upload (imports) or of the request (exports): finds a duplicate request.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    upload_size = models.BigIntegerField(_("upload size"), default=0)
    sheet_name = models.CharField(_("sheet"), max_length=100, blank=True)
    result_name = models.CharField(_("stored result"), max_length=255, blank=True)
    result_filename = models.CharField(_("result file name"), max_length=255, blank=True)
    error_report_name = models.CharField(_("stored error report"), max_length=255, blank=True)

    total = models.PositiveIntegerField(_("total rows"), default=0)
    processed = models.PositiveIntegerField(_("processed rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # of the failed rows, those with nothing wrong themselves: held back with a bad line
    # of their order (an order is written whole or not at all)
    held_back = models.PositiveIntegerField(_("held back"), default=0)
    resume_after = models.PositiveIntegerField(_("last committed row"), default=0)
    # A split import: how many of its parts have not committed yet (None: not split).
    parts_left = models.PositiveIntegerField(_("parts left"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    # failed because its file or request was refused: the same job would fail the same way
    input_refused = models.BooleanField(_("input refused"), default=False)
    options = models.JSONField(_("options"), default=dict, blank=True)

    host = models.CharField(_("host"), max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("file job")
        verbose_name_plural = _("file jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="filejob_owner_created"),
            models.Index(fields=["status", "heartbeat_at"], name="filejob_status_heartbeat"),
            models.Index(fields=["owner", "fingerprint"], name="filejob_owner_fingerprint"),
        ]

    def __str__(self):
        return f"{self.direction} {self.kind} #{self.pk}"

    @property
    def is_ended(self) -> bool:
        return self.status in self.ENDED

    @property
    def retry_cannot_help(self) -> bool:
        """Failed on its own file or request: run again, it would fail the same way."""
        return self.status == JobStatus.FAILED and self.input_refused

    @property
    def outcome(self) -> str:
        """The status as the user reads it: a job that succeeded but rejected rows is
        "partial" (the API's ``status`` stays "succeeded")."""
        if self.status == JobStatus.SUCCEEDED and self.failed:
            return "partial"
        return self.status

    @property
    def progress(self) -> int:
        """Percent done, 0-100."""
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, self.processed * 100 // self.total)


class ImportRowError(models.Model):
    """A rejected row of an import: its original cells and what is wrong with them.

    Written in the same transaction as the chunk it belongs to, so the error report can
    be assembled by whichever worker ends the job.
    """

    job = models.ForeignKey(FileJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("row"))
    cells = models.JSONField(_("original cells"), default=list)
    problems = models.JSONField(_("problems"), default=list)

    class Meta:
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        ordering = ["job_id", "row_number"]
        indexes = [models.Index(fields=["job", "row_number"], name="importrowerror_job_row")]

    def __str__(self):
        return f"job {self.job_id} row {self.row_number}"


class ImportSample(models.Model):
    """One of the first rows of each outcome of a validation (a preview): which row, its
    key, and for a row that would update, what would change (column, stored, new).

    Written in the chunk's transaction, at most ``SAMPLES_PER_OUTCOME`` per outcome.
    """

    SAMPLES_PER_OUTCOME = 10

    job = models.ForeignKey(FileJob, on_delete=models.CASCADE, related_name="samples")
    outcome = models.CharField(_("outcome"), max_length=16)
    row_number = models.PositiveIntegerField(_("row"))
    key = models.CharField(_("key"), max_length=255)
    changes = models.JSONField(_("changes"), default=list)

    class Meta:
        verbose_name = _("previewed row")
        verbose_name_plural = _("previewed rows")
        ordering = ["job_id", "row_number"]
        indexes = [models.Index(fields=["job", "outcome", "row_number"], name="importsample_job")]

    def __str__(self):
        return f"job {self.job_id} row {self.row_number} {self.outcome}"


class PartStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class ImportPart(models.Model):
    """One part of a big import, cut by the task that read the file.

    A part holds every row of some orders (or natural keys), so parts never touch the
    same objects and any worker may run any part. Its rows are in ``payload_name`` in
    the job storage; it commits its rows, the job's counters and its own ``done`` in
    one transaction, so a committed part is never run again.
    """

    job = models.ForeignKey(FileJob, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField(_("part"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    payload_name = models.CharField(_("stored rows"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PartStatus.choices, default=PartStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    host = models.CharField(_("host"), max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import part")
        verbose_name_plural = _("import parts")
        ordering = ["job_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="importpart_job_number")
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="importpart_status_beat")]

    def __str__(self):
        return f"job {self.job_id} part {self.number}"


class ImportKeys(models.Model):
    """Keys one committed chunk of an import added to what its run remembers.

    Written in the chunk's transaction with its rows and the job's resume point, so a run
    that resumes after the chunk knows every key met before it: which orders this job
    already wrote (a later line is added to them, not a replacement of their lines), and
    which rows came first (a later repeat is refused as a duplicate of that row).
    Deleted when the job succeeds, or with the job.
    """

    job = models.ForeignKey(FileJob, on_delete=models.CASCADE, related_name="remembered_keys")
    after_row = models.PositiveIntegerField(_("chunk's last row"))
    name = models.CharField(_("set of keys"), max_length=32)
    keys = models.BinaryField(_("keys"))

    class Meta:
        verbose_name = _("remembered import keys")
        verbose_name_plural = _("remembered import keys")
        indexes = [models.Index(fields=["job", "after_row"], name="importkeys_job_row")]

    def __str__(self):
        return f"job {self.job_id} {self.name} up to row {self.after_row}"
