from datetime import date

from src.models import Gig


def test_a_gig_keeps_its_band():
    gig = Gig(band="The Examples", played_on=date(2026, 5, 1), price_cents=2500, venue_id=1)
    assert gig.band == "The Examples"
