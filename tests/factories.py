"""factory_boy factories and the fixtures built on them."""

import functools

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from basic.models import Product
from store.models import Order, OrderItem, Platform, Store


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"测试店铺{n}")
    platform = Platform.TAOBAO


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku_code = factory.Sequence(lambda n: f"SKU{n:05d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    price = "19.90"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    store = factory.SubFactory(StoreFactory)
    platform_order_no = factory.Sequence(lambda n: f"P{n:08d}")
    buyer_name = "张三"


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    sku_code = factory.Sequence(lambda n: f"SKU{n:05d}")
    quantity = 1
    unit_price = "10.00"


PASSWORD = "pass-1234-word"


@functools.cache
def _password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    # One real PBKDF2 hash, made once: hashing per user would cost ~0.3 s each.
    password = factory.LazyFunction(lambda: _password_hash())

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get(name=name))


@pytest.fixture
def operator_factory(roles):
    """Make an operator (group 运营) who works on the given stores."""

    def make(*stores, **fields):
        user = UserFactory(roles=["运营"], **fields)
        user.stores.add(*stores)
        return user

    return make
