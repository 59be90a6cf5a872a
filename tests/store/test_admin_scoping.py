"""In the admin, a user sees and edits only the stores, orders and items of their stores."""

import pytest
from django.urls import reverse

from tests.factories import OrderFactory, OrderItemFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stores():
    return StoreFactory(code="A001", name="店铺A"), StoreFactory(code="B001", name="店铺B")


def test_user_of_store_a_opens_a_order_and_gets_404_for_b_order(
    client, two_stores, operator_factory
):
    store_a, store_b = two_stores
    order_a, order_b = OrderFactory(store=store_a), OrderFactory(store=store_b)
    client.force_login(operator_factory(store_a))

    assert client.get(reverse("admin:store_order_change", args=[order_a.pk])).status_code == 200
    assert client.get(reverse("admin:store_order_change", args=[order_b.pk])).status_code == 404
    assert client.get(reverse("admin:store_order_delete", args=[order_b.pk])).status_code == 404
    assert client.get(reverse("admin:store_order_history", args=[order_b.pk])).status_code == 404


def test_changelists_list_only_the_users_stores(client, two_stores, operator_factory):
    store_a, store_b = two_stores
    OrderFactory(store=store_a, platform_order_no="ORDER-OF-A")
    OrderFactory(store=store_b, platform_order_no="ORDER-OF-B")
    OrderItemFactory(order__store=store_b, sku_code="SKU-OF-B")
    client.force_login(operator_factory(store_a))

    orders = client.get(reverse("admin:store_order_changelist")).content.decode()
    assert "ORDER-OF-A" in orders
    assert "ORDER-OF-B" not in orders and "店铺B" not in orders
    stores = client.get(reverse("admin:store_store_changelist")).content.decode()
    assert "A001" in stores and "B001" not in stores
    items = client.get(reverse("admin:store_orderitem_changelist")).content.decode()
    assert "SKU-OF-B" not in items


def test_user_cannot_move_an_order_into_a_foreign_store(client, two_stores, operator_factory):
    store_a, store_b = two_stores
    order = OrderFactory(store=store_a)
    client.force_login(operator_factory(store_a))
    response = client.post(
        reverse("admin:store_order_change", args=[order.pk]),
        {
            "store": store_b.pk,
            "platform_order_no": order.platform_order_no,
            "status": "paid",
            "freight": "0",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    order.refresh_from_db()
    assert order.store == store_a


def test_superuser_sees_every_store(admin_client, two_stores):
    page = admin_client.get(reverse("admin:store_store_changelist")).content.decode()
    assert "A001" in page and "B001" in page


def test_staff_editor_cannot_change_a_colleague_who_works_in_a_store_they_cannot_see(
    client, two_stores
):
    store_a, store_b = two_stores
    editor = UserFactory(roles=["管理员"])
    editor.stores.add(store_a)
    colleague = UserFactory(username="colleague")
    colleague.stores.add(store_a, store_b)
    client.force_login(editor)
    response = client.post(
        reverse("admin:user_user_change", args=[colleague.pk]),
        {"username": "colleague", "stores": [store_a.pk], "is_active": "on", "is_staff": "on"},
    )
    assert response.status_code == 403  # seen (they share store A), but not theirs to change
    assert set(colleague.stores.all()) == {store_a, store_b}


def test_anonymous_users_are_sent_to_login(client):
    for url in ("/", reverse("admin:index"), reverse("admin:store_order_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    assert client.get(reverse("login")).status_code == 200
