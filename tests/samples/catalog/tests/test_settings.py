from catalog.settings import Settings


def test_page_size_default():
    assert Settings().PAGE_SIZE == 50
