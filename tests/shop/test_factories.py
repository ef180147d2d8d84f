from core.accounts.models import Role
from shop.orders.models import OrderStatus
from tests.factories import make_user
from tests.shop.factories import make_order, make_product


def test_a_product_made_by_the_factory_has_its_variants(app_ctx):
    product = make_product(variants=3, price=2500)
    assert [v.name for v in product.variants] == ["S", "M", "L"]
    assert {v.price for v in product.variants} == {2500}


def test_an_order_made_by_the_factory_adds_up(app_ctx):
    product = make_product(variants=2, price=1000)
    order = make_order(make_user(Role.BUYER), [(product.variants[0], 2), (product.variants[1], 1)])
    assert order.total == 3000
    assert order.status == OrderStatus.PAID.value
    assert [line.amount for line in order.lines] == [2000, 1000]
