"""Staff roles, defined here and nowhere else: each role is a group holding exactly the
permissions listed below, reconciled after every ``migrate`` (see :func:`ensure_roles`).

The staff workspace (``/staff/``) and the API ask only ``is_staff``; the permissions matter
in the admin site. A *Pembina* (ministry officer) reads every partner and matching row,
keeps partner data up to date and takes the verification and demand actions, and reads
(never edits) the catalogue, the matching policy, the computed matches and the brokering
log. Accounts are read-only to officers and other staff accounts are hidden from them
(``partners.admin.UserAdmin``); groups, permissions and API tokens are for superusers only.
The catalogue and the matching policy, which change every score, are edited by the
*Pengelola katalog* role. Nobody but a superuser gets any ``auth``, ``admin`` or
``authtoken`` permission or a ``delete`` on an organisation, a demand or a user.

Why a ``post_migrate`` receiver rather than a data migration: permissions themselves are
created by ``post_migrate`` (a data migration would have to create them first, and freeze
today's role in the migration history); the receiver sets each role to what this module
says on every ``migrate``, so a change to a role is a change to this file, applied by the
next deploy, and a permission granted by hand in the admin is taken back.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, router

OFFICER = "Pembina"
CATALOGUE_MANAGER = "Pengelola katalog"

_COMPONENTS = (
    "province",
    "regency",
    "kblicode",
    "sector",
    "componentcategory",
    "componenttype",
    "material",
    "process",
    "certification",
)


def _perms(app_label: str, actions: str, *models: str) -> set[str]:
    return {f"{app_label}.{action}_{model}" for model in models for action in actions.split()}


ROLES: dict[str, frozenset[str]] = {
    OFFICER: frozenset(
        _perms("components", "view", *_COMPONENTS)
        | _perms("partners", "view add change", "supplier", "manufacturer", "demand")
        | _perms(
            "partners",
            "view add change delete",
            "suppliercapability",
            "suppliercertification",
            "plant",
        )
        | _perms("partners", "view", "user", "supplierdraft", "notification", "deletionrequest")
        | _perms(
            "matchmaking",
            "view",
            "matchingpolicy",
            "scoringrun",
            "match",
            "matchdecision",
            "consortiumsuggestion",
            "partnership",
            "partnershipevent",
        )
    ),
    CATALOGUE_MANAGER: frozenset(
        _perms("components", "view add change", *_COMPONENTS)
        | _perms("matchmaking", "view add change", "matchingpolicy")
    ),
}

#: Apps whose permissions no role may hold (only superusers act there).
SUPERUSER_ONLY_APPS = frozenset({"auth", "admin", "authtoken", "contenttypes", "sessions"})


def ensure_roles(*, using: str = DEFAULT_DB_ALIAS, apps: Any = global_apps) -> dict[str, Any]:
    """Create each role's group and set its permissions to exactly :data:`ROLES` (adding
    missing ones, removing any other). Creates the apps' permissions first, so it works
    whatever order the apps were migrated in. Raises ``LookupError`` if a role names a
    permission that does not exist (a renamed model), so the mistake fails the migrate."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    labels = {name.split(".")[0] for perms in ROLES.values() for name in perms}
    for label in labels:
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using)
    groups = {}
    for name, wanted in ROLES.items():
        forbidden = {p for p in wanted if p.split(".")[0] in SUPERUSER_ONLY_APPS}
        if forbidden:
            raise ValueError(f"Role {name!r} may not hold {sorted(forbidden)}")
        found = {
            f"{app_label}.{codename}": pk
            for pk, app_label, codename in Permission.objects.using(using)
            .filter(content_type__app_label__in=labels)
            .values_list("pk", "content_type__app_label", "codename")
        }
        missing = sorted(wanted - found.keys())
        if missing:
            raise LookupError(f"Role {name!r} names unknown permissions: {missing}")
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([found[p] for p in sorted(wanted)])
        groups[name] = group
    return groups


def ensure_roles_after_migrate(
    sender: AppConfig, *, using: str = DEFAULT_DB_ALIAS, apps: Any = global_apps, **kwargs: Any
) -> None:
    """``post_migrate`` receiver (connected for this app, the last of the project's apps, in
    ``MatchmakingConfig.ready``)."""
    try:
        apps.get_model("auth", "Group")
    except LookupError:  # migrating back to before auth
        return
    if not router.allow_migrate_model(using, global_apps.get_model("auth", "Group")):
        return
    ensure_roles(using=using)
