"""zh-hans by default, English by the browser's Accept-Language."""

import pytest
from django.urls import reverse

from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_admin_speaks_chinese_by_default_and_english_on_request(admin_client):
    OrderFactory()
    url = reverse("admin:store_order_changelist")
    chinese = admin_client.get(url).content.decode()
    assert "平台订单号" in chinese and "OMS 后台管理" in chinese
    english = admin_client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Platform order number" in english and "平台订单号" not in english
    assert "OMS back office" in english and "后台管理" not in english
