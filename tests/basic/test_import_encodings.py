"""The encoding of an uploaded csv, end to end: detected (and said when guessed), chosen
on the upload form, the API or ``excel_import --encoding``, refused with its line when
it cannot decode the file. Jobs run in this process (``basic.filejobs.runner.job_run``)."""

import codecs
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from basic.filejobs.models import FileJob, JobStatus
from basic.filejobs.runner import job_run
from basic.models import Product

pytestmark = pytest.mark.django_db(transaction=True)

WESTERN = [("A-1", "Café crème"), ("A-2", "Müller Straße"), ("A-3", "naïve façade")]
CYRILLIC = [("A-1", "Молоко пастеризованное"), ("A-2", "Хлеб ржаной")]
CHINESE = [("SKU001", "赣南脐橙"), ("SKU002", "阿克苏苹果"), ("SKU003", "海南芒果（大）")]


def product_csv(rows, encoding: str, *, header=("sku_code", "name"), bom: bytes = b"") -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return bom + "".join(line + "\r\n" for line in lines).encode(encoding)


def upload(client, data: bytes, **fields):
    file = SimpleUploadedFile("products.csv", data)
    return client.post(
        reverse("api-job-import"),
        {"kind": "product", "file": file, **fields},
        headers={"accept-language": "en"},
    )


def imported(client, data: bytes, **fields) -> FileJob:
    response = upload(client, data, **fields)
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    job_run(job_id=job_id, worker="test")
    return FileJob.objects.get(pk=job_id)


def products() -> dict[str, str]:
    return dict(Product.objects.values_list("sku_code", "name"))


def shown(client, job: FileJob) -> dict:
    return client.get(
        reverse("api-job-detail", args=[job.pk]), headers={"accept-language": "en"}
    ).json()


def test_a_windows_1252_csv_imports_exactly_and_the_job_says_the_encoding_was_guessed(
    admin_client,
):
    job = imported(admin_client, product_csv(WESTERN, "cp1252"))
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert products() == dict(WESTERN)
    note = shown(admin_client, job)["status_note"]
    assert "read as Windows-1252 (Western European), guessed from its content" in note
    assert "choose its encoding" in note
    page = admin_client.get(reverse("job-page", args=[job.pk]), headers={"accept-language": "en"})
    assert "read as Windows-1252" in page.content.decode()


def test_the_guess_note_is_in_chinese_for_a_chinese_user(admin_client):
    job = imported(admin_client, product_csv(WESTERN, "cp1252"))
    detail = admin_client.get(reverse("api-job-detail", args=[job.pk])).json()
    assert "Windows-1252" in detail["status_note"] and "猜测" in detail["status_note"]


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (product_csv(CHINESE, "gbk", header=("商品编码", "商品名称")), CHINESE),
        (product_csv(CHINESE, "utf-8"), CHINESE),
        (product_csv(CHINESE, "utf-16-le", bom=codecs.BOM_UTF16_LE), CHINESE),
        (product_csv(CYRILLIC, "utf-32-be", bom=codecs.BOM_UTF32_BE), CYRILLIC),
    ],
    ids=["gbk", "utf-8", "utf-16-bom", "utf-32-be-bom"],
)
def test_csv_whose_encoding_is_sure_imports_without_a_note(admin_client, data, rows):
    job = imported(admin_client, data)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert products() == dict(rows)
    assert shown(admin_client, job)["status_note"] == ""


def test_an_encoding_chosen_on_upload_is_used(admin_client):
    data = product_csv(CYRILLIC, "koi8_r")
    job = imported(admin_client, data, encoding="KOI8-R")
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert products() == dict(CYRILLIC)
    assert job.options["encoding"] == "koi8_r"
    assert shown(admin_client, job)["status_note"] == ""


def test_the_same_file_with_another_encoding_is_another_job(admin_client):
    data = product_csv(WESTERN, "cp1252")
    first = upload(admin_client, data).json()["id"]
    again = upload(admin_client, data).json()["id"]
    other = upload(admin_client, data, encoding="cp1250").json()["id"]
    assert first == again != other


def test_an_unknown_encoding_is_refused_before_a_job(admin_client):
    response = upload(admin_client, product_csv(WESTERN, "cp1252"), encoding="klingon")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_encoding"
    assert "klingon" in response.json()["error"]["message"]
    assert FileJob.objects.count() == 0


def test_a_chosen_encoding_that_cannot_decode_the_file_fails_with_the_line(admin_client):
    job = imported(admin_client, product_csv(WESTERN, "cp1252"), encoding="utf-8")
    assert job.status == JobStatus.FAILED
    assert job.message == (
        "The CSV file cannot be read as UTF-8: line 2 holds bytes that are not UTF-8. "
        "Import it again and choose its encoding."
    )
    assert Product.objects.count() == 0


def test_a_csv_no_encoding_reads_fails_with_what_to_do(admin_client):
    data = b"sku_code,name\r\nA-1," + bytes(range(128, 256)) * 4 + b"\r\n"
    response = upload(admin_client, b"sku_code,name\r\n" + b"A-0,x\r\n" * 12_000 + data[15:])
    job_run(job_id=response.json()["id"], worker="test")
    job = FileJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert "encoding could not be recognised" in job.message


def test_the_import_page_offers_the_encodings(admin_client):
    page = admin_client.get(
        reverse("import-page", args=["product"]) + "?encoding=cp1251",
        headers={"accept-language": "en"},
    ).content.decode()
    assert '<select id="import-encoding" name="encoding">' in page
    assert '<option value="gb18030">GB18030 / GBK (简体中文)</option>' in page
    assert '<option value="cp1251" selected>Windows-1251 (Cyrillic)</option>' in page
    assert "Detect it from the file" in page


def test_excel_import_takes_an_encoding(admin_user, tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(product_csv(CYRILLIC, "cp1251"))
    out = io.StringIO()
    call_command(
        "excel_import", "product", str(path), "--user", admin_user.username,
        "--encoding", "windows-1251", stdout=out,
    )  # fmt: skip
    job = FileJob.objects.get()
    assert job.options["encoding"] == "cp1251"
    job_run(job_id=job.pk, worker="test")
    assert products() == dict(CYRILLIC)
    with pytest.raises(CommandError, match="Unknown encoding"):
        call_command(
            "excel_import", "product", str(path), "--user", admin_user.username,
            "--encoding", "ebcdic-martian", stdout=io.StringIO(),
        )  # fmt: skip
