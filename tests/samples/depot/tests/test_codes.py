from depot.parcels import clean_code, shelf_for


def test_codes_ignore_spaces_dashes_and_case():
    assert clean_code(" ab-12 c3 ") == "AB12C3"


def test_a_code_always_goes_to_the_same_shelf():
    assert shelf_for("ab-12") == shelf_for("AB 12")
