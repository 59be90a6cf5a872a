import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from store.models import Order, Store

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_data_and_is_safe_to_run_twice(capsys, settings, client):
    settings.DEMO_PASSWORD = "demo-pass-2026"
    call_command("seed_demo", "--orders", "50")
    first = capsys.readouterr().out
    assert "demo-pass-2026" in first
    assert Store.objects.count() == 6 and Order.objects.count() == 50
    for order in Order.objects.prefetch_related("items"):
        lines = order.items.all()
        assert all(item.amount == item.unit_price * item.quantity for item in lines)
        assert order.goods_amount == sum(item.amount for item in lines)
        assert order.total_amount == order.goods_amount + order.freight

    call_command("seed_demo", "--orders", "50")
    assert "demo-pass-2026" not in capsys.readouterr().out
    assert Store.objects.count() == 6 and Order.objects.count() == 50
    assert get_user_model().objects.filter(username="admin", is_superuser=True).count() == 1

    login = client.post("/accounts/login/", {"username": "operator", "password": "demo-pass-2026"})
    assert login.status_code == 302
    page = client.get("/admin/store/store/").content.decode()
    assert "TB001" in page and "PDD001" not in page
