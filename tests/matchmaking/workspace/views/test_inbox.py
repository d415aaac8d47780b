"""The introductions inbox pages: who may open which introduction, what each party sees,
contacts hidden until both are interested (absent from the HTML, not just invisible),
answering with HTMX and without, errors next to the field, and bounded queries."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from matchmaking.choices import PartnershipStage
from matchmaking.engine import rescoring
from matchmaking.models import Partnership
from partners.models import Supplier
from tests.matchmaking import factories as f
from tests.matchmaking.partnerships.world import World, approve
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
INDEX = reverse("inbox:index")
# the contact details of each side, which must not leak before mutual interest
IKM_CONTACT = ("Bambang Sutrisno", "0272 551 234", "bambang@ceperlogam.example")
BUYER_CONTACT = ("Rina Purchasing", "+62 351 452 271", "rina@inka.example")


def detail_url(world: World) -> str:
    return reverse("inbox:detail", args=[world.partnership.pk])


def answer_url(world: World) -> str:
    return reverse("inbox:answer", args=[world.partnership.pk])


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


# --- access ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in (INDEX, detail_url(world)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(answer_url(world), {"answer": "interested"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Partnership.objects.get(pk=world.partnership.pk).supplier_answer == ""


def test_staff_and_users_without_an_organisation_are_refused(client, world):
    for user in (world.staff, UserFactory(username="nobody")):
        as_user(client, user)
        assert client.get(INDEX).status_code == 403
        assert client.get(detail_url(world)).status_code == 403


@pytest.mark.parametrize("outsider", ["other_owner", "other_buyer"])
def test_another_owner_or_manufacturer_gets_404_and_learns_nothing(client, world, outsider):
    as_user(client, getattr(world, outsider))

    listing = client.get(INDEX)
    assert listing.status_code == 200
    assert "CV Ceper Logam Utama" not in html(listing)
    assert world.demand.title not in html(listing)
    assert client.get(detail_url(world)).status_code == 404
    assert client.post(answer_url(world), {"answer": "interested"}).status_code == 404
    assert client.post(answer_url(world), {"answer": "interested"}, **HTMX).status_code == 404
    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.supplier_answer == partnership.manufacturer_answer == ""


@pytest.mark.parametrize("party", ["owner", "buyer"])
def test_the_parties_cannot_reach_staff_pages(client, world, party):
    as_user(client, getattr(world, party))

    for url in (
        reverse("workspace:dashboard"),
        reverse("workspace:partnership_detail", args=[world.partnership.pk]),
        reverse("workspace:demand_detail", args=[world.demand.pk]),
    ):
        assert client.get(url).status_code == 403


# --- what each party sees -------------------------------------------------------------------


def test_the_ikm_owner_sees_the_opportunity_with_the_demand_and_the_reasons(client, world):
    as_user(client, world.owner)

    listing = client.get(INDEX)
    page = client.get(detail_url(world))

    assert listing.status_code == page.status_code == 200
    assert world.demand.title in html(listing)
    assert 'data-state="waiting"' in html(listing)
    body = html(page)
    assert world.demand.manufacturer.name in body
    assert world.demand.plant.regency.name in body  # delivery regency
    assert 'id="demand-quantity"' in body and "2.000" in body  # Indonesian grouping
    assert 'id="introduction-reasons"' in body
    assert page.context["introduction"].reasons
    for reason in page.context["introduction"].reasons:
        assert reason.replace("'", "&#x27;").replace('"', "&quot;") in body
    assert 'id="answer-interested"' in body


def test_the_manufacturer_sees_the_proposed_supplier_with_its_capabilities(client, world):
    as_user(client, world.colleague)

    body = html(client.get(detail_url(world)))

    assert "CV Ceper Logam Utama" in body
    assert "Sentra Pengecoran Logam Ceper" in body
    assert 'id="supplier-capabilities"' in body and "Blok rem metalik" in body
    assert 'id="supplier-certificates"' in body and "ISO 9001" in body


def test_the_page_follows_the_readers_language(client, world):
    as_user(client, world.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(detail_url(world))

    assert page.status_code == 200
    assert "Why you were matched" in html(page)
    assert "2,000" in html(page)


@pytest.mark.parametrize("reader", ["owner", "buyer"])
def test_contacts_are_absent_from_the_html_until_both_parties_are_interested(client, world, reader):
    user = getattr(world, reader)
    other = world.buyer if reader == "owner" else world.owner
    hidden = (*IKM_CONTACT, *BUYER_CONTACT)
    as_user(client, user)

    before = html(client.get(detail_url(world)))
    assert not [text for text in hidden if text in before]

    client.post(answer_url(world), {"answer": "interested"})
    halfway = html(client.get(detail_url(world)))
    assert not [text for text in hidden if text in halfway]

    as_user(client, other)
    client.post(answer_url(world), {"answer": "interested"})
    as_user(client, user)
    after = html(client.get(detail_url(world)))
    revealed = BUYER_CONTACT if reader == "owner" else IKM_CONTACT
    own = IKM_CONTACT if reader == "owner" else BUYER_CONTACT
    assert all(text in after for text in revealed)
    assert not [text for text in own if text in after]  # only the other party's contact
    assert 'id="contact-details"' in after


def test_a_declined_introduction_never_shows_contacts(client, world):
    as_user(client, world.owner)
    client.post(answer_url(world), {"answer": "interested"})
    as_user(client, world.buyer)
    client.post(answer_url(world), {"answer": "not_interested", "reason": "Terlalu jauh"})

    body = html(client.get(detail_url(world)))

    assert not [text for text in IKM_CONTACT if text in body]
    assert 'data-state="closed"' in body


# --- answering ------------------------------------------------------------------------------


def test_answering_without_htmx_redirects_to_the_introduction_with_a_message(client, world):
    as_user(client, world.owner)

    response = client.post(answer_url(world), {"answer": "interested"}, follow=True)

    assert response.redirect_chain == [(detail_url(world), 302)]
    assert "alert-success" in html(response)
    assert Partnership.objects.get(pk=world.partnership.pk).supplier_answer == "interested"


def test_answering_with_htmx_returns_the_status_fragment(client, world):
    as_user(client, world.owner)
    client.post(answer_url(world), {"answer": "interested"})
    as_user(client, world.buyer)

    response = client.post(answer_url(world), {"answer": "interested"}, **HTMX)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "matchmaking/partials/_inbox_status.html"
    body = html(response)
    assert body.lstrip().startswith('<div id="introduction-status"')
    assert 'id="answer-notice"' in body
    assert all(text in body for text in IKM_CONTACT)
    assert "<html" not in body
    assert Partnership.objects.get(pk=world.partnership.pk).stage == PartnershipStage.INTRODUCED


def test_not_interested_without_a_reason_shows_the_error_next_to_the_field(client, world):
    as_user(client, world.buyer)

    fragment = client.post(answer_url(world), {"answer": "not_interested", "reason": " "}, **HTMX)
    page = client.post(answer_url(world), {"answer": "not_interested", "reason": ""})

    assert fragment.status_code == 400
    assert 'id="reason-errors"' in html(fragment) and "is-invalid" in html(fragment)
    assert '<details class="border rounded p-2" open>' in html(fragment)
    assert page.status_code == 200
    assert 'id="reason-errors"' in html(page) and "<html" in html(page)
    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.manufacturer_answer == "" and partnership.stage == PartnershipStage.APPROVED


def test_not_interested_with_a_reason_declines_and_closes_the_form(client, world):
    as_user(client, world.buyer)

    response = client.post(
        answer_url(world), {"answer": "not_interested", "reason": "Harga terlalu tinggi"}, **HTMX
    )

    assert response.status_code == 200
    assert 'id="answer-interested"' not in html(response)
    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.stage == PartnershipStage.DECLINED
    assert partnership.manufacturer_answer_reason == "Harga terlalu tinggi"


def test_an_invalid_answer_is_refused_with_a_message(client, world):
    as_user(client, world.owner)

    response = client.post(answer_url(world), {"answer": "maybe"}, **HTMX)

    assert response.status_code == 400
    assert 'id="answer-errors"' in html(response)


def test_a_different_second_answer_is_refused_and_the_first_one_stays(client, world):
    as_user(client, world.owner)
    client.post(answer_url(world), {"answer": "interested"})

    response = client.post(
        answer_url(world), {"answer": "not_interested", "reason": "Berubah pikiran"}, **HTMX
    )

    assert response.status_code == 400
    assert 'id="answer-errors"' in html(response)
    assert Partnership.objects.get(pk=world.partnership.pk).supplier_answer == "interested"


def test_a_double_submitted_answer_is_recorded_once(client, world):
    as_user(client, world.owner)

    first = client.post(answer_url(world), {"answer": "interested"}, **HTMX)
    second = client.post(answer_url(world), {"answer": "interested"}, **HTMX)

    assert first.status_code == second.status_code == 200
    assert world.partnership.events.filter(by=world.owner).count() == 1


def test_the_answer_url_only_accepts_post(client, world):
    as_user(client, world.owner)

    assert client.get(answer_url(world)).status_code == 405


# --- list filters and paging ----------------------------------------------------------------


def test_the_waiting_filter_lists_only_introductions_waiting_for_the_reader(client, world):
    as_user(client, world.owner)
    client.post(answer_url(world), {"answer": "interested"})

    waiting = client.get(INDEX, {"state": "waiting"})
    pending = client.get(INDEX, {"state": "pending"})
    nonsense = client.get(INDEX, {"state": "nonsense"})

    assert world.demand.title not in html(waiting)
    assert world.demand.title in html(pending)
    assert nonsense.status_code == 200 and world.demand.title in html(nonsense)


def test_the_list_and_the_page_run_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for number in range(12):
        ikm = f.supplier(world.cat, name=f"CV Cor {number:02d}")
        Supplier.objects.filter(pk=ikm.pk).update(owner=world.owner)
    rescoring.rescore_demand(demand_id=world.demand.pk)
    with django_capture_on_commit_callbacks(execute=True):
        for ikm in Supplier.objects.filter(legal_name__startswith="CV Cor "):
            approve(demand=world.demand, supplier=ikm, by=world.staff)
    as_user(client, world.buyer)

    with django_assert_max_num_queries(12):
        listing = client.get(INDEX)
    with django_assert_max_num_queries(20):
        page = client.get(detail_url(world))

    assert len(listing.context["page_obj"].object_list) == 13
    assert page.status_code == 200
