"""Notifications (see partners/urls.py): the in-app list (unread first), opening one (marks
it read and follows its link), marking one or all read, and the per-kind e-mail settings.

Every page is the signed-in user's own: another user's notification answers 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.htmx import wants_fragment
from common.paging import paginate, query_without_page
from common.typing import AuthenticatedHttpRequest

from .. import notifications as service
from ..models import Notification
from ..notification_kinds import NotificationKind

NOTIFICATIONS_PER_PAGE = 25


@require_GET
@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = paginate(
        request, service.notification_list(user=request.user), per_page=NOTIFICATIONS_PER_PAGE
    )
    page.object_list = service.with_texts(page.object_list)
    context = {
        "page_obj": page,
        "query": query_without_page(request),
        "unread_count": service.unread_count(user=request.user),
    }
    return render(request, "partners/notifications.html", context)


def _own(request: AuthenticatedHttpRequest, pk: int) -> Notification:
    try:
        return service.notification_get(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None


@require_GET
@login_required
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go where it points (its list when it has no link)."""
    notification = _own(request, pk)
    service.notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("partners:notifications")


@require_POST
@login_required
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _own(request, pk)
    notification = service.notification_mark_read(user=request.user, notification_id=pk)
    if wants_fragment(request):
        # the list item swapped in place (and the bell out of band); there is no page of it
        (notification,) = service.with_texts([notification])
        return render(
            request,
            "partners/partials/_notification_item.html",
            {"notification": notification, "oob_bell": True},
        )
    return redirect("partners:notifications")


@require_POST
@login_required
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = service.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect("partners:notifications")


class EmailSettingsForm(forms.Form):
    """One e-mail switch per kind of notification the user can receive."""

    def __init__(self, *args, kinds: list[NotificationKind], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.value] = forms.BooleanField(
                label=str(kind.label).capitalize(),
                help_text=kind.description,
                required=False,
            )


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    kinds = service.kinds_for(user=request.user)
    current = service.email_settings(user=request.user)
    if request.method == "POST":
        form = EmailSettingsForm(request.POST, kinds=kinds)
        if form.is_valid():
            service.email_settings_save(user=request.user, email=form.cleaned_data)
            messages.success(request, gettext("Your e-mail settings were saved."))
            return redirect("partners:notification_settings")
    else:
        form = EmailSettingsForm(
            initial={kind.value: current[kind.value] for kind in kinds}, kinds=kinds
        )
    context = {"form": form, "has_email": bool(request.user.email)}
    return render(request, "partners/notification_settings.html", context)


urlpatterns: list[URLPattern] = [
    path("", notification_list, name="notifications"),
    path("settings/", notification_settings, name="notification_settings"),
    path("read-all/", notifications_read_all, name="notifications_read_all"),
    path("<int:pk>/", notification_open, name="notification_open"),
    path("<int:pk>/read/", notification_read, name="notification_read"),
]
