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
