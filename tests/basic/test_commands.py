"""The excel_import command: the same job as an upload, and an exit code that tells."""

import io

import pytest
from django.core.management import CommandError, call_command

from basic.models import Product

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_excel_import_waits_prints_the_summary_and_fails_loudly(
    admin_user, celery_worker, tmp_path
):
    good = tmp_path / "products.csv"
    good.write_text("商品编码,商品名称\nSKU1,橙子\nSKU2,苹果\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "excel_import", "product", str(good), "--user", admin_user.username, "--wait", stdout=out
    )
    assert "succeeded" in out.getvalue() and Product.objects.count() == 2

    bad = tmp_path / "no-names.csv"
    bad.write_text("商品编码,售价\nSKU3,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="failed"):
        call_command("excel_import", "product", str(bad), "--user", admin_user.username, "--wait",
                     stdout=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="no user"):
        call_command("excel_import", "product", str(good), "--user", "nobody")


def test_excel_import_exits_3_when_rows_were_rejected_unless_allowed(
    admin_user, celery_worker, tmp_path
):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("商品编码,商品名称,售价\nSKU1,橙子,1\nSKU2,苹果,abc\n", encoding="utf-8")
    command = ["excel_import", "product", str(mixed), "--user", admin_user.username, "--wait"]

    with pytest.raises(CommandError, match="finished with 1 rows rejected") as refused:
        call_command(*command, stdout=io.StringIO())
    assert refused.value.returncode == 3
    assert Product.objects.count() == 1

    out = io.StringIO()
    call_command(*command, "--allow-rejected", stdout=out)
    assert "succeeded" in out.getvalue()
