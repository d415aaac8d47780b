"""Admin bases shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import OutboxTask, OutgoingMail


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only admin pages for rows that services write (the engine, the workspace and
    the self-service pages)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Admin pages only superusers see, whatever permissions a group grants (groups,
    permissions, API tokens: whoever holds them could give themselves anything)."""

    def _superuser(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request)


class SuperuserReadOnlyAdmin(SuperuserOnlyAdmin, ReadOnlyAdmin):
    """Pages only superusers see, and only to read."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxTask)
class OutboxTaskAdmin(SuperuserReadOnlyAdmin):
    """Task calls waiting for the broker (docs/operations.md, "Outbox"): a growing list
    means the broker is down."""

    list_display = ("task_name", "created_at", "attempts", "last_error")
    list_filter = ("task_name",)
    ordering = ("created_at",)


@admin.register(OutgoingMail)
class OutgoingMailAdmin(SuperuserReadOnlyAdmin):
    """E-mail the worker sends, and sent mail kept for a week (``common.outbox``)."""

    list_display = ("subject", "created_at", "sent_at", "attempts", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    ordering = ("-created_at",)
    exclude = ("body",)  # may hold a password-reset link
