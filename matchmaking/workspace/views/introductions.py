"""Introductions inbox for IKM owners and manufacturer members (see matchmaking/workspace/inbox_urls.py).

The IKM owner sees each introduction as an *opportunity* (the demand), a manufacturer's
member as a *proposed supplier* (the IKM); both answer interested or not interested here.
Only the user's own introductions are reachable: another's id answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from common.forms import add_service_errors
from common.htmx import render_page_or_fragment, wants_fragment
from common.paging import paginate, query_without_page
from common.typing import AuthenticatedHttpRequest
from matchmaking.choices import PartnershipStage
from matchmaking.models import Partnership
from matchmaking.partnerships import introductions
from partners.permissions import is_ikm_owner, is_manufacturer_member, role_required

from ..forms import AnswerForm, InboxFilterForm
from ..selectors import inbox
from ..selectors.inbox import InboxState


def is_party(user) -> bool:
    """An IKM owner or a manufacturer's member: the people introductions are for."""
    return is_ikm_owner(user) or is_manufacturer_member(user)


party_required = role_required(is_party)


def _titles(request: HttpRequest) -> dict[str, str]:
    """How the inbox is called for this reader: opportunities (IKM), proposed suppliers
    (manufacturer), or introductions when they are both."""
    ikm, manufacturer = is_ikm_owner(request.user), is_manufacturer_member(request.user)
    if ikm and not manufacturer:
        return {"inbox_title": gettext("Opportunities")}
    if manufacturer and not ikm:
        return {"inbox_title": gettext("Proposed suppliers")}
    return {"inbox_title": gettext("Introductions")}


@require_GET
@party_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    reader = request.user
    page = paginate(request, inbox.introduction_list(user=reader, state=state))
    page.object_list = inbox.introduction_views(page.object_list, user=reader)
    context = {
        "form": form,
        "state": state,
        "states": InboxState.CHOICES,
        "page_obj": page,
        "query": query_without_page(request),
        "counts": inbox.inbox_counts(user=reader),
        **_titles(request),
    }
    return render(request, "matchmaking/inbox.html", context)


def _introduction(
    request: AuthenticatedHttpRequest, pk: int, *, with_reasons: bool = True
) -> inbox.Introduction:
    try:
        return inbox.introduction_detail(user=request.user, pk=pk, with_reasons=with_reasons)
    except Partnership.DoesNotExist:
        raise Http404 from None


def _detail_context(
    request: HttpRequest, introduction: inbox.Introduction, form: AnswerForm | None
) -> dict:
    return {
        "introduction": introduction,
        "partnership": introduction.partnership,
        "form": form or AnswerForm(),
        "open_reason": bool(form is not None and form.errors.get("reason")),
        **_titles(request),
    }


@require_GET
@party_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    introduction = _introduction(request, pk)
    return render(
        request, "matchmaking/inbox_detail.html", _detail_context(request, introduction, None)
    )


def _done_message(result: introductions.AnswerResult) -> str:
    if not result.changed:
        return gettext("Your answer was already recorded; nothing changed.")
    if result.moved_to == PartnershipStage.INTRODUCED:
        return gettext(
            "Thank you. Both parties are interested: you can now see each other's contact details."
        )
    if result.moved_to == PartnershipStage.DECLINED:
        return gettext("Thank you. Your answer was sent and the introduction is closed.")
    return gettext(
        "Thank you. Your answer was sent; we will tell you when the other party answers."
    )


@require_POST
@party_required
def answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    introduction = _introduction(request, pk, with_reasons=False)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            result = introductions.introduction_answer(
                partnership_id=introduction.pk,
                user=request.user,
                answer=form.cleaned_data["answer"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _done_message(result)
            if not wants_fragment(request):
                messages.success(request, message)
                return redirect("inbox:detail", pk=introduction.pk)
            fresh = _introduction(request, pk, with_reasons=False)
            context = _detail_context(request, fresh, None)
            context["notice"] = message
            return render(request, "matchmaking/partials/_inbox_status.html", context)
    # errors: the form comes back with what was typed
    introduction = _introduction(request, pk, with_reasons=not wants_fragment(request))
    return render_page_or_fragment(
        request,
        page="matchmaking/inbox_detail.html",
        fragment="matchmaking/partials/_inbox_status.html",
        context=_detail_context(request, introduction, form),
        invalid=True,
    )


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/answer/", answer, name="answer"),
]
