"""The matching rows in the Django admin: view-only, with the review log on the match."""

import pytest
from django.urls import reverse

from matchmaking.choices import MatchStatus
from matchmaking.models import MatchDecision
from tests.matchmaking.factories import MatchFactory
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_match_page_shows_who_decided_what_and_why(admin_client):
    match = MatchFactory(status=MatchStatus.REJECTED)
    officer = UserFactory(username="pembina-dewi", is_staff=True)
    MatchDecision.objects.create(
        match=match,
        from_status=MatchStatus.SUGGESTED,
        to_status=MatchStatus.REJECTED,
        note="Kapasitas terlalu kecil untuk INKA.",
        by=officer,
    )

    page = admin_client.get(reverse("admin:matchmaking_match_change", args=[match.pk]))

    assert page.status_code == 200
    assert "Kapasitas terlalu kecil untuk INKA." in page.text
    assert "pembina-dewi" in page.text
