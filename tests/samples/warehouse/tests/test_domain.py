import pytest

from warehouse.domain import Product, StockError


def test_product_needs_a_sku():
    with pytest.raises(StockError):
        Product(sku=" ", name="Bolt")


def test_product_keeps_its_name():
    assert Product(sku="B-1", name="Bolt").name == "Bolt"
