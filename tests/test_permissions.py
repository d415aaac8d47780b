"""Who may open what (issue #5): the permission matrix across the whole site.

1. Staff pages and the API. Every URL under /staff/ (namespace ``workspace``) and /api/v1/
   is found by walking the URL configuration, so a page added later is covered without
   touching this file: anonymous visitors are sent to the login page (the API answers
   401/403), IKM owners and manufacturer members get 403 — for GET and for POST.
2. Self-service pages without a login: every page of the ``partners`` and ``inbox``
   namespaces outside /accounts/ sends anonymous visitors to the login page.
3. Other people's objects. ``OBJECT_ROWS`` lists each URL that names an object by its id:
   the owner of *another* organisation gets 403 or 404 (never the data) for GET and POST,
   the rightful owner reaches the same URL (so the 404 is about ownership, not a missing
   row), and nothing of the other organisation changes. A row whose URL name does not
   exist yet is skipped with that reason. ``test_every_object_url_has_a_row`` fails when
   a new object URL appears without a row here.
4. Lists of "my" things (``LIST_ROWS``) do not show the other organisation's data.

To extend: add the object to ``world`` if it is new, then a row to ``OBJECT_ROWS`` or
``LIST_ROWS``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from partners import notices
from partners.choices import AccountType, DemandStatus, VerificationStatus
from partners.models import Notification, SupplierDraft
from partners.uploads import private_storage
from tests.matchmaking import factories as mf
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n drawing"

# --- walking the URL configuration --------------------------------------------------------

#: Values tried for URL parameters, in order, until ``reverse`` accepts one.
SAMPLE_KWARGS: dict[str, list[Any]] = {
    "pk": [1],
    "demand_pk": [1],
    "supplier_pk": [1],
    "step": [1],
    "fmt": ["csv", "xlsx", "zip", "json"],
    "format": ["json"],
    "kind": ["ikm", "manufacturer"],
    "section": ["flagged-matches", "x"],
    "key": ["x.pdf"],
}


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "workspace:demand_detail"
    params: tuple[str, ...]


def _params(pattern: URLPattern | URLResolver) -> list[str]:
    regex = pattern.pattern.regex
    return list(regex.groupindex)


def _walk(patterns, namespace: str | None = None, params: tuple[str, ...] = ()) -> Iterator[Route]:
    for pattern in patterns:
        found = (*params, *_params(pattern))
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner, found)
        elif pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(name, found)


def routes() -> list[Route]:
    return list(dict.fromkeys(_walk(get_resolver().url_patterns)))


def sample_url(route: Route) -> str | None:
    """A URL of this route with sample parameters (None if no sample fits)."""
    choices = [SAMPLE_KWARGS.get(param, ["1", "x"]) for param in route.params]
    for values in itertools.product(*choices):
        try:
            return reverse(route.name, kwargs=dict(zip(route.params, values, strict=True)))
        except NoReverseMatch:
            continue
    return None


def urls_under(prefix: str, *, namespaces: tuple[str, ...] = ()) -> list[str]:
    found = []
    for route in routes():
        if namespaces and route.name.split(":")[0] not in namespaces:
            continue
        url = sample_url(route)
        if url and url.startswith(prefix):
            found.append(url)
    return sorted(set(found))


STAFF_URLS = urls_under("/staff/")
API_URLS = urls_under("/api/v1/")
SELF_SERVICE_URLS = [
    url
    for url in urls_under("/", namespaces=("partners", "inbox"))
    if not url.startswith("/accounts/")  # sign-up, confirmation, password reset: public
]
#: Account pages for whoever is signed in, whatever their role (issue #10); every other
#: page under /accounts/ is public (sign-up, confirmation, password reset).
SIGNED_IN_ACCOUNT_URLS = [reverse("partners:password_change")]
PUBLIC_ACCOUNT_URLS = [
    url
    for url in urls_under("/accounts/", namespaces=("partners",))
    if url not in SIGNED_IN_ACCOUNT_URLS and not url.startswith("/accounts/two-factor/")
]  # the two-factor pages (staff only) have tests of their own below


def _api_param(url: str) -> Any:
    return pytest.param(url, id=url)


# --- the world: two of each kind of party -------------------------------------------------


@dataclass
class World:
    """IKM A and B with their owners; manufacturers X and Y with a member each; B's
    capability, certificate (with scan), registration draft scan and notification; Y's
    plant and demand (with drawing); a partnership between B and Y's demand."""

    objects: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError as missing:
            raise AttributeError(name) from missing


def _owner(username: str):
    return UserFactory(username=username, account_type=AccountType.IKM_OWNER)


def _member(username: str):
    return UserFactory(username=username, account_type=AccountType.MANUFACTURER)


@pytest.fixture
def world(db, media) -> World:
    owner_a, owner_b = _owner("owner-a"), _owner("owner-b")
    verified = {"verification_status": VerificationStatus.VERIFIED}
    ikm_a = SupplierFactory(owner=owner_a, legal_name="CV Alpha Ceper", **verified)
    ikm_b = SupplierFactory(
        owner=owner_b,
        legal_name="CV Bravo Ceper",
        contact_person="Ibu Bravo Secret",
        contact_email="bravo.secret@example.id",
        **verified,
    )
    capability_b = SupplierCapabilityFactory(supplier=ikm_b)
    certificate_b = SupplierCertificationFactory(supplier=ikm_b)
    certificate_b.document.save("iso.pdf", ContentFile(PDF), save=True)
    draft_name = private_storage.save(f"drafts/{owner_b.pk}/bravo-draft.pdf", ContentFile(PDF))
    SupplierDraft.objects.create(
        owner=owner_b,
        step=4,
        data={"certifications": [{"document": draft_name, "document_name": "iso.pdf"}]},
    )
    notification_b = Notification.objects.create(
        user=owner_b,
        kind=notices.ORGANISATION_VERIFIED,
        params={"organisation": "CV Bravo Ceper"},
        url="/ikm/",
    )

    member_x, member_y = _member("member-x"), _member("member-y")
    company_x = ManufacturerFactory(name="PT Xray Kereta", **verified)
    company_x.members.add(member_x)
    company_y = ManufacturerFactory(name="PT Yankee Kereta", **verified)
    company_y.members.add(member_y)
    PlantFactory(manufacturer=company_x, name="Pabrik Xray")
    DemandFactory(manufacturer=company_x, title="Xray brake blocks", status=DemandStatus.OPEN)
    plant_y = PlantFactory(manufacturer=company_y, name="Pabrik Yankee")
    demand_y = DemandFactory(
        manufacturer=company_y,
        plant=plant_y,
        title="Yankee secret bogie part",
        status=DemandStatus.OPEN,
    )
    demand_y.drawing.save("bogie.png", ContentFile(PNG), save=True)
    draft_demand_y = DemandFactory(
        manufacturer=company_y, plant=plant_y, title="Yankee draft demand"
    )
    partnership_b_y = mf.PartnershipFactory(
        match__supplier=ikm_b, match__demand=demand_y, stage="introduced"
    )
    return World(
        {
            "owner_a": owner_a,
            "owner_b": owner_b,
            "ikm_a": ikm_a,
            "ikm_b": ikm_b,
            "capability_b": capability_b,
            "certificate_b": certificate_b,
            "draft_key_b": PurePosixPath(draft_name).name,
            "notification_b": notification_b,
            "member_x": member_x,
            "member_y": member_y,
            "company_x": company_x,
            "company_y": company_y,
            "plant_y": plant_y,
            "demand_y": demand_y,
            "draft_demand_y": draft_demand_y,
            "partnership_b_y": partnership_b_y,
        }
    )


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def snapshot(world: World) -> dict[str, Any]:
    """What an intruder must not change: B's and Y's rows and files."""
    rows = {}
    for key in (
        "ikm_b",
        "capability_b",
        "certificate_b",
        "notification_b",
        "company_y",
        "plant_y",
        "demand_y",
        "draft_demand_y",
        "partnership_b_y",
    ):
        obj = world.objects[key]
        fresh = type(obj).objects.filter(pk=obj.pk).values().first()
        rows[key] = fresh
    rows["draft_b"] = SupplierDraft.objects.filter(owner=world.owner_b).values("data").first()
    rows["files"] = sorted(
        name
        for name in (world.certificate_b.document.name, world.demand_y.drawing.name)
        if private_storage.exists(name)
    )
    rows["users"] = sorted(
        (u.username, u.is_active, u.email) for u in (world.owner_b, world.member_y)
    )
    return rows


# --- 1. staff pages and API ---------------------------------------------------------------


def test_the_walk_finds_the_staff_pages_and_the_api():
    assert "/staff/" in STAFF_URLS and "/staff/privacy-requests/" in STAFF_URLS
    assert any(url.startswith("/api/v1/suppliers/") for url in API_URLS)


def answer(client: Client, url: str):
    """The response to GET, or to POST when the URL takes only POST (GET answers 405 to
    everyone, which reveals nothing)."""
    response = client.get(url)
    return client.post(url, {}) if response.status_code == 405 else response


@pytest.mark.django_db
@pytest.mark.parametrize("url", STAFF_URLS)
def test_anonymous_visitors_are_sent_to_login_from_staff_pages(client, url):
    response = answer(client, url)

    assert response.status_code == 302, url
    assert response["Location"].startswith(reverse("login")), url


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ikm_user", "manufacturer_user"])
@pytest.mark.parametrize("url", STAFF_URLS)
def test_ikm_owners_and_manufacturer_members_get_403_on_every_staff_page(request, role, url):
    client = client_for(request.getfixturevalue(role))

    assert answer(client, url).status_code == 403, url
    assert client.post(url, {}).status_code in (403, 405), f"POST {url}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", API_URLS)
def test_anonymous_api_requests_are_refused(client, url):
    assert answer(client, url).status_code in (401, 403), url


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ikm_user", "manufacturer_user"])
@pytest.mark.parametrize("url", [_api_param(url) for url in API_URLS])
def test_ikm_owners_and_manufacturer_members_get_403_on_every_api_endpoint(request, role, url):
    client = client_for(request.getfixturevalue(role))

    assert answer(client, url).status_code == 403, url
    assert client.post(url, {}).status_code in (403, 405), f"POST {url}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ikm_user", "manufacturer_user"])
def test_parties_are_sent_to_the_admin_login_not_into_the_admin(request, role):
    client = client_for(request.getfixturevalue(role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


#: The staff accounts' two-factor pages (issue #10), under /accounts/ but not public.
TWO_FACTOR_URLS = urls_under("/accounts/two-factor/", namespaces=("partners",))


def test_the_walk_finds_the_two_factor_pages():
    assert TWO_FACTOR_URLS == ["/accounts/two-factor/", "/accounts/two-factor/setup/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", TWO_FACTOR_URLS)
def test_anonymous_visitors_are_sent_to_login_from_the_two_factor_pages(client, url):
    for response in (client.get(url), client.post(url, {"code": "123456"})):
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ikm_user", "manufacturer_user"])
@pytest.mark.parametrize("url", TWO_FACTOR_URLS)
def test_parties_get_403_on_the_two_factor_pages(request, role, url):
    client = client_for(request.getfixturevalue(role))

    assert client.get(url).status_code == 403, url
    assert client.post(url, {"code": "123456"}).status_code == 403, f"POST {url}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", TWO_FACTOR_URLS)
def test_staff_open_the_two_factor_pages(staff_user, url):
    answer_ = client_for(staff_user).get(url)

    # The code page sends a staff user without a device on to the enrolment page.
    assert answer_.status_code in (200, 302), url
    if answer_.status_code == 302:
        assert answer_["Location"].startswith(reverse("partners:two_factor_setup"))


# --- 2. self-service pages need a login ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", SELF_SERVICE_URLS)
def test_anonymous_visitors_are_sent_to_login_from_self_service_pages(client, url):
    response = answer(client, url)

    assert response.status_code == 302, url
    assert response["Location"].startswith(reverse("login")), url


@pytest.mark.django_db
@pytest.mark.parametrize("url", SIGNED_IN_ACCOUNT_URLS)
def test_anonymous_visitors_are_sent_to_login_from_signed_in_account_pages(client, url):
    response = answer(client, url)

    assert response.status_code == 302, url
    assert response["Location"].startswith(reverse("login")), url


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff_user", "ikm_user", "manufacturer_user"])
@pytest.mark.parametrize("url", SIGNED_IN_ACCOUNT_URLS)
def test_every_role_opens_the_signed_in_account_pages(request, client, role, url):
    client.force_login(request.getfixturevalue(role))

    assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_ACCOUNT_URLS)
def test_the_other_account_pages_are_public(client, url):
    """A new page under /accounts/ that needs a login fails here until it is listed in
    ``SIGNED_IN_ACCOUNT_URLS``."""
    response = client.get(url)

    assert not (
        response.status_code == 302 and response["Location"].startswith(reverse("login"))
    ), url


# --- 3. other people's objects ------------------------------------------------------------


@dataclass(frozen=True)
class ObjectRow:
    """``intruder`` opens ``name`` with the kwargs of the ``rightful`` party's object."""

    name: str
    kwargs: Callable[[World], dict[str, Any]]
    intruder: str  # a user in the world
    rightful: str
    methods: tuple[str, ...] = ("get", "post")
    label: str = ""  # tells apart two rows of one URL name and intruder

    @property
    def id(self) -> str:
        return f"{self.intruder}->{self.name}" + (f"[{self.label}]" if self.label else "")


def _pk(key: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": w.objects[key].pk}


OBJECT_ROWS = [
    # IKM owner A on owner B's IKM, uploads, drafts, notifications, privacy, introductions
    ObjectRow("partners:capability_edit", _pk("capability_b"), "owner_a", "owner_b"),
    ObjectRow("partners:capability_delete", _pk("capability_b"), "owner_a", "owner_b"),
    ObjectRow("partners:certification_edit", _pk("certificate_b"), "owner_a", "owner_b"),
    ObjectRow("partners:certification_delete", _pk("certificate_b"), "owner_a", "owner_b"),
    ObjectRow("partners:certificate_document", _pk("certificate_b"), "owner_a", "owner_b"),
    ObjectRow("partners:certificate_document", _pk("certificate_b"), "member_x", "owner_b"),
    ObjectRow("partners:draft_document", lambda w: {"key": w.draft_key_b}, "owner_a", "owner_b"),
    ObjectRow("partners:notification_open", _pk("notification_b"), "owner_a", "owner_b"),
    ObjectRow("partners:notification_read", _pk("notification_b"), "owner_a", "owner_b"),
    ObjectRow(
        "partners:privacy_export",
        lambda w: {"kind": "ikm", "pk": w.ikm_b.pk, "fmt": "zip"},
        "owner_a",
        "owner_b",
    ),
    ObjectRow(
        "partners:privacy_export",
        lambda w: {"kind": "ikm", "pk": w.ikm_b.pk, "fmt": "json"},
        "member_x",
        "owner_b",
        label="ikm",
    ),
    ObjectRow(
        "partners:privacy_delete_request",
        lambda w: {"kind": "ikm", "pk": w.ikm_b.pk},
        "owner_a",
        "owner_b",
    ),
    ObjectRow("inbox:detail", _pk("partnership_b_y"), "owner_a", "owner_b"),
    ObjectRow("inbox:answer", _pk("partnership_b_y"), "owner_a", "owner_b"),
    # manufacturer X on manufacturer Y's plants, demands, drawing, privacy, introductions
    ObjectRow("partners:plant_edit", _pk("plant_y"), "member_x", "member_y"),
    ObjectRow("partners:plant_delete", _pk("plant_y"), "member_x", "member_y"),
    ObjectRow("partners:demand_detail", _pk("demand_y"), "member_x", "member_y"),
    ObjectRow("partners:demand_detail", _pk("demand_y"), "owner_a", "member_y"),
    ObjectRow("partners:demand_edit", _pk("demand_y"), "member_x", "member_y"),
    ObjectRow("partners:demand_publish", _pk("draft_demand_y"), "member_x", "member_y"),
    ObjectRow("partners:demand_close", _pk("demand_y"), "member_x", "member_y"),
    ObjectRow("partners:demand_cancel", _pk("demand_y"), "member_x", "member_y"),
    ObjectRow("partners:drawing_document", _pk("demand_y"), "member_x", "member_y"),
    ObjectRow("partners:drawing_document", _pk("demand_y"), "owner_a", "member_y"),
    ObjectRow(
        "partners:privacy_export",
        lambda w: {"kind": "manufacturer", "pk": w.company_y.pk, "fmt": "zip"},
        "member_x",
        "member_y",
        label="manufacturer",
    ),
    ObjectRow(
        "partners:privacy_delete_request",
        lambda w: {"kind": "manufacturer", "pk": w.company_y.pk},
        "member_x",
        "member_y",
    ),
    ObjectRow("inbox:detail", _pk("partnership_b_y"), "member_x", "member_y"),
    ObjectRow("inbox:answer", _pk("partnership_b_y"), "member_x", "member_y"),
]

#: URLs with parameters that do not name another party's object, and why.
NOT_OBJECT_URLS = {
    "partners:register_step": "a step number of the user's own registration",
    "partners:confirm_email": "a signed token, public by design",
    "partners:password_reset_confirm": "a signed token, public by design",
}

DENIED = (403, 404)


def _reverse_or_skip(name: str, kwargs: dict[str, Any]) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        pytest.skip(f"URL name {name} does not exist yet (or takes other parameters)")


@pytest.mark.parametrize("row", OBJECT_ROWS, ids=lambda row: row.id)
def test_another_party_gets_403_or_404_on_an_object_url_and_changes_nothing(world, row):
    url = _reverse_or_skip(row.name, row.kwargs(world))
    intruder = client_for(world.objects[row.intruder])
    rightful = client_for(world.objects[row.rightful])
    before = snapshot(world)

    for method in row.methods:
        status = getattr(intruder, method)(url, {}).status_code
        if status == 405:
            # the view does not take this method at all: the same answer for its owner
            assert getattr(rightful, method)(url).status_code == 405, f"{method} {url}"
            continue
        assert status in DENIED, f"{row.intruder} {method.upper()} {url} -> {status}"

    assert snapshot(world) == before
    control = rightful.get(url).status_code
    assert control not in DENIED, f"{row.rightful} GET {url} -> {control}: row is not testing"


def test_every_object_url_has_a_row():
    covered = {row.name for row in OBJECT_ROWS} | set(NOT_OBJECT_URLS)
    object_urls = {
        route.name
        for route in routes()
        if route.params and route.name.split(":")[0] in ("partners", "inbox")
    }

    missing = sorted(object_urls - covered)

    assert not missing, f"Add rows to OBJECT_ROWS (or NOT_OBJECT_URLS) in {__file__} for: {missing}"


@pytest.mark.django_db
def test_a_member_cannot_switch_to_another_company(world):
    try:
        url = reverse("partners:company_switch")
    except NoReverseMatch:
        pytest.skip("URL name partners:company_switch does not exist yet")
    client = client_for(world.member_x)

    response = client.post(url, {"company": world.company_y.pk})

    assert response.status_code in DENIED
    page = client.get(reverse("partners:company"))
    assert "PT Yankee Kereta" not in page.content.decode()


# --- 4. lists of "my" things --------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    name: str
    viewer: str
    foreign: tuple[str, ...]  # strings of the other party's data


IKM_B_STRINGS = ("CV Bravo Ceper", "Ibu Bravo Secret", "bravo.secret@example.id")
Y_STRINGS = ("PT Yankee Kereta", "Yankee secret bogie part", "Yankee draft demand")

LIST_ROWS = [
    ListRow("partners:my_ikm", "owner_a", IKM_B_STRINGS),
    ListRow("partners:ikm_edit", "owner_a", IKM_B_STRINGS),
    ListRow("partners:notifications", "owner_a", IKM_B_STRINGS),
    ListRow("partners:privacy", "owner_a", IKM_B_STRINGS),
    ListRow("inbox:index", "owner_a", (*IKM_B_STRINGS, *Y_STRINGS)),
    ListRow("partners:company", "member_x", Y_STRINGS),
    ListRow("partners:demand_list", "member_x", Y_STRINGS),
    ListRow("partners:privacy", "member_x", Y_STRINGS),
    ListRow("inbox:index", "member_x", (*IKM_B_STRINGS, *Y_STRINGS)),
]


@pytest.mark.parametrize("row", LIST_ROWS, ids=lambda row: f"{row.viewer}->{row.name}")
def test_my_pages_show_nothing_of_another_party(world, row):
    url = _reverse_or_skip(row.name, {})

    response = client_for(world.objects[row.viewer]).get(url, follow=True)

    assert response.status_code == 200, url
    html = response.content.decode()
    for foreign in row.foreign:
        assert foreign not in html, f"{row.viewer} sees {foreign!r} on {url}"
