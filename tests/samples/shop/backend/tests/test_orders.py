from orders import Order, with_vat


def test_vat_is_added_and_rounded():
    assert with_vat(999) == 1199


def test_orders_are_kept_in_their_own_table():
    assert Order.__table__.name == "orders"
    assert {column.name for column in Order.__table__.columns} == {"id", "customer", "total_cents"}
