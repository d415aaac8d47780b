"""The staff roles of ``matchmaking.roles``: created by ``migrate``, exactly as in code."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from matchmaking import roles

pytestmark = pytest.mark.django_db


def _held(name: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def test_migrate_creates_each_role_with_exactly_its_permissions():
    # The test database was built by migrate, whose post_migrate made the roles.
    for name, wanted in roles.ROLES.items():
        assert _held(name) == set(wanted), name


def test_migrate_takes_back_a_permission_granted_by_hand():
    officer = Group.objects.get(name=roles.OFFICER)
    officer.permissions.add(Permission.objects.get(codename="change_user"))

    call_command("migrate", verbosity=0)

    assert _held(roles.OFFICER) == set(roles.ROLES[roles.OFFICER])


def test_no_role_holds_accounts_groups_tokens_or_deleting_organisations():
    for name, perms in roles.ROLES.items():
        for perm in perms:
            app_label, codename = perm.split(".")
            assert app_label not in roles.SUPERUSER_ONLY_APPS, perm
            assert codename not in {
                "add_user",
                "change_user",
                "delete_user",
                "delete_supplier",
                "delete_manufacturer",
                "delete_demand",
            }, (name, perm)


def test_an_officer_has_what_the_admin_pages_they_use_need():
    perms = roles.ROLES[roles.OFFICER]
    # verification and demand actions (change), the autocompletes of the partner forms (view)
    assert {"partners.change_supplier", "partners.change_manufacturer"} <= perms
    assert {"partners.change_demand", "partners.view_user", "components.view_regency"} <= perms
    assert "matchmaking.change_matchingpolicy" not in perms


def test_a_role_naming_an_unknown_permission_fails_loudly(monkeypatch):
    monkeypatch.setitem(roles.ROLES, "Salah", frozenset({"partners.fly_supplier"}))
    with pytest.raises(LookupError, match="fly_supplier"):
        roles.ensure_roles()
