"""Least privilege in the admin (issue #10, defect 1): an officer finds no way up.

The walk opens, as an officer, every admin page of every registered model (changelist, add,
change, delete and history of a row of each) plus the account pages of the superuser and of
another staff member (change, password), then POSTs what a climber would try: tick
"superuser"/"staff", add groups or permissions (to themselves, to another account, to a new
account, to their own group), reset the superuser's password, issue themselves an API token.
After every request the officer, the superuser and the other accounts are what they were.

It is walked twice: by an officer of the ``Pembina`` role, and by a staff member holding
*every* permission there is, short of superuser (what the demo's old staff group came
close to), which proves that the admin itself, not only the role, keeps the way shut. The
same walk as the superuser still works.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from matchmaking import roles
from partners.models import User
from tests.matchmaking.factories import MatchFactory, PartnershipFactory
from tests.partners.factories import (
    DemandFactory,
    PlantFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "jembatan-test-password"
RIGHTS_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@pytest.fixture
def world():
    """Rows in every admin the officer can reach, and the accounts a climber aims at."""
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    colleague = UserFactory(username="kolega", is_staff=True)
    colleague.groups.add(Group.objects.get(name=roles.OFFICER))
    ikm = UserFactory(username="pemilik")
    supplier = SupplierFactory(owner=ikm)
    SupplierCapabilityFactory(supplier=supplier)
    SupplierCertificationFactory(supplier=supplier)
    PlantFactory()
    demand = DemandFactory()
    MatchFactory(demand=demand, supplier=supplier)
    PartnershipFactory()
    Token.objects.create(user=superuser)
    return {"superuser": superuser, "colleague": colleague, "ikm": ikm}


def _officer(grant: str) -> User:
    officer = UserFactory(username="pembina-sri", is_staff=True)
    if grant == "role":
        officer.groups.add(Group.objects.get(name=roles.OFFICER))
    else:
        officer.user_permissions.set(Permission.objects.all())
    return officer


def _snapshot(*users: User) -> list[tuple]:
    rows = []
    for user in users:
        user.refresh_from_db()
        rows.append(
            (
                user.username,
                user.password,
                user.is_superuser,
                user.is_staff,
                user.is_active,
                sorted(user.groups.values_list("name", flat=True)),
                sorted(user.user_permissions.values_list("codename", flat=True)),
            )
        )
    rows.append(
        tuple(
            (group.name, sorted(group.permissions.values_list("pk", flat=True)))
            for group in Group.objects.order_by("name")
        )
    )
    rows.append(tuple(Token.objects.values_list("user__username", flat=True).order_by("pk")))
    return rows


def _admin_pages(world) -> Iterator[str]:
    """Every admin URL of every registered model (one row each), and the account pages of
    the superuser and of another staff member."""
    yield reverse("admin:index")
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        for view in ("change", "delete", "history"):
            yield reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk])
    for account in (world["superuser"], world["colleague"]):
        for view in ("change", "delete", "history"):
            yield reverse(f"admin:partners_user_{view}", args=[account.pk])
        yield _password_page(account)


def _password_page(account: User) -> str:
    # Django's UserAdmin names the page after auth's user, whichever model it admins.
    return reverse("admin:auth_user_password_change", args=[account.pk])


def _rights_inputs(html: str) -> list[str]:
    return [name for name in RIGHTS_FIELDS if f'name="{name}"' in html]


def _climbs(officer: User, world) -> Iterator[tuple[str, dict]]:
    """POSTs that would raise someone if the admin accepted them."""
    raise_ = {
        "is_superuser": "on",
        "is_staff": "on",
        "is_active": "on",
        "groups": [str(g.pk) for g in Group.objects.all()],
        "user_permissions": [str(p.pk) for p in Permission.objects.all()[:50]],
    }
    for target in (officer, world["ikm"], world["colleague"], world["superuser"]):
        yield (
            reverse("admin:partners_user_change", args=[target.pk]),
            {
                "username": target.username,
                "email": target.email,
                "first_name": "X",
                "last_name": "Y",
                "date_joined_0": "2026-01-01",
                "date_joined_1": "00:00:00",
                **raise_,
            },
        )
    for target in (world["superuser"], world["colleague"]):
        yield (
            _password_page(target),
            {"password1": "diambil-alih-2026", "password2": "diambil-alih-2026"},
        )
    yield (
        reverse("admin:partners_user_add"),
        {
            "username": "boneka",
            "password1": "boneka-kuat-2026",
            "password2": "boneka-kuat-2026",
            "usable_password": "true",
            **raise_,
        },
    )
    yield (
        reverse("admin:partners_user_changelist"),
        {"action": "delete_selected", "_selected_action": [world["superuser"].pk], "post": "yes"},
    )
    officer_group = Group.objects.get(name=roles.OFFICER)
    group_form = {
        "name": roles.OFFICER,
        "permissions": [str(p.pk) for p in Permission.objects.all()],
    }
    yield (reverse("admin:auth_group_change", args=[officer_group.pk]), group_form)
    yield (reverse("admin:auth_group_add"), {**group_form, "name": "Naik"})
    yield (reverse("admin:authtoken_tokenproxy_add"), {"user": world["superuser"].pk})
    yield (reverse("admin:authtoken_tokenproxy_add"), {"user": officer.pk})


@pytest.mark.parametrize("grant", ["role", "every permission"])
def test_an_officer_walking_the_admin_finds_no_way_up(grant, world):
    officer = _officer(grant)
    watched = (officer, world["superuser"], world["colleague"], world["ikm"])
    before = _snapshot(*watched)
    client = Client()
    client.force_login(officer)

    for url in _admin_pages(world):
        page = client.get(url)
        assert page.status_code in (200, 302, 403, 404), url
        if page.status_code == 200:
            assert _rights_inputs(page.text) == [], url
        assert _snapshot(*watched) == before, url

    for account in (world["superuser"], world["colleague"]):
        for url in (
            reverse("admin:partners_user_change", args=[account.pk]),
            reverse("admin:partners_user_history", args=[account.pk]),
            _password_page(account),
        ):
            assert client.get(url).status_code != 200, url
    for name in ("auth_group_changelist", "authtoken_tokenproxy_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 403
    users = client.get(reverse("admin:partners_user_changelist"))
    assert users.status_code == 200
    listed = set(users.context["cl"].result_list)
    assert world["superuser"] not in listed and world["colleague"] not in listed
    assert world["ikm"] in listed

    for url, data in _climbs(officer, world):
        client.post(url, data)
        after = _snapshot(*watched)
        if grant == "every permission" and url.endswith(f"/{world['ikm'].pk}/change/"):
            # Holding change_user, they may edit an IKM account's name, never its rights.
            assert after[3][2:] == before[3][2:], url
            before[3] = after[3]
        assert after == before, url
    assert not User.objects.filter(username__in=["boneka"], is_staff=True).exists()
    assert not User.objects.filter(username="boneka", is_superuser=True).exists()
    assert not Group.objects.filter(name="Naik").exists()
    officer.refresh_from_db()
    fresh = User.objects.get(pk=officer.pk)  # no cached permissions
    assert not fresh.is_superuser
    if grant == "role":
        assert fresh.get_all_permissions() == set(roles.ROLES[roles.OFFICER])


def test_the_officers_own_account_page_shows_no_rights_fields(world):
    officer = _officer("every permission")
    client = Client()
    client.force_login(officer)

    page = client.get(reverse("admin:partners_user_change", args=[officer.pk]))

    assert page.status_code == 200
    assert _rights_inputs(page.text) == []
    assert client.get(reverse("admin:partners_user_add")).status_code == 200


def test_the_same_walk_as_superuser_still_works(world):
    root = world["superuser"]
    client = Client()
    client.force_login(root)

    request = RequestFactory().get("/admin/")
    request.user = root
    allowed = {}
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        allowed[reverse("admin:{}_{}_add".format(*info))] = model_admin.has_add_permission(request)
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            url = reverse("admin:{}_{}_delete".format(*info), args=[obj.pk])
            allowed[url] = model_admin.has_delete_permission(request, obj)
    for url in _admin_pages(world):
        # Only what no one may do (adding a computed match, say) is refused to a superuser.
        assert client.get(url).status_code == (200 if allowed.get(url, True) else 403), url
    page = client.get(reverse("admin:partners_user_change", args=[world["colleague"].pk]))
    assert set(_rights_inputs(page.text)) == set(RIGHTS_FIELDS)

    ikm = world["ikm"]
    response = client.post(
        reverse("admin:partners_user_change", args=[ikm.pk]),
        {
            "username": ikm.username,
            "email": ikm.email,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name=roles.OFFICER).pk],
        },
    )
    assert response.status_code == 302, (
        getattr(response, "context", None) and response.context["adminform"].form.errors
    )
    ikm.refresh_from_db()
    assert ikm.is_staff and ikm.groups.filter(name=roles.OFFICER).exists()

    colleague = world["colleague"]
    response = client.post(
        _password_page(colleague),
        {"password1": "kata-sandi-baru-2026", "password2": "kata-sandi-baru-2026"},
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("kata-sandi-baru-2026")

    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": colleague.pk})
    assert response.status_code == 302
    assert Token.objects.filter(user=colleague).exists()
