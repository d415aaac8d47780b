"""Admin for accounts and groups: only superusers see or set the fields that give rights
(superuser, staff, groups, permissions), other staff accounts and their passwords, and the
groups (the roles of ``matchmaking.roles``). Imported by ``partners.admin``, which Django's
admin autodiscovery loads."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import SuperuserOnlyAdmin

from .models import User
from .services import two_factor

#: Fields of an account that only a superuser sees or sets: whoever sets them gives rights.
SUPERUSER_ONLY_FIELDS = frozenset({"is_superuser", "is_staff", "groups", "user_permissions"})


def _is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts. Whatever permissions a non-superuser holds here, they see and change only
    accounts that are neither staff nor superuser (and their own), never the fields that
    grant rights (:data:`SUPERUSER_ONLY_FIELDS`), so they cannot raise anyone, themselves
    included, nor reset another staff member's password."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    actions = ["reset_two_factor"]

    @admin.action(
        description=_("Reset two-factor authentication (lost phone)"),
        permissions=["reset_two_factor"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Remove the selected users' authenticator apps and backup codes; each enrols
        again at the next login. Superusers only."""
        for user in queryset:
            two_factor.reset_devices(user)
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d user.",
                "Two-factor authentication reset for %(count)d users.",
                len(queryset),
            )
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def has_reset_two_factor_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = super().get_queryset(request)
        if _is_superuser(request):
            return users
        return users.filter(Q(is_staff=False, is_superuser=False) | Q(pk=request.user.pk))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if _is_superuser(request):
            return fieldsets
        return [
            (name, {**options, "fields": _without(options["fields"], SUPERUSER_ONLY_FIELDS)})
            for name, options in fieldsets
        ]

    def get_list_filter(self, request: HttpRequest) -> Any:
        if _is_superuser(request):
            return super().get_list_filter(request)
        return ("is_active",)

    def _staff_account_of_another(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and (obj.is_staff or obj.is_superuser) and obj.pk != request.user.pk

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _is_superuser(request) and self._staff_account_of_another(request, obj):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _is_superuser(request) and self._staff_account_of_another(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _is_superuser(request) and self._staff_account_of_another(request, obj):
            return False
        return super().has_delete_permission(request, obj)


def _without(fields: Any, names: frozenset[str]) -> tuple:
    return tuple(field for field in fields if field not in names)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyAdmin, DjangoGroupAdmin):
    """Groups (the roles of ``matchmaking.roles`` among them) carry permissions: only
    superusers see or change them."""
