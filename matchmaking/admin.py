"""Admin for the matching engine.

A matching policy is never edited in place: saving the form publishes a new version through
``publishing.policy_publish`` (which rescores everything). Scoring runs, matches, consortium
suggestions and partnerships are computed or brokered elsewhere and shown read-only here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from common.admin import ReadOnlyAdmin, SuperuserOnlyAdmin

from .engine import policies, publishing
from .engine.explanations import match_breakdown, match_reasons
from .engine.loading import load_labels
from .models import (
    ConsortiumSuggestion,
    Match,
    MatchDecision,
    MatchingPolicy,
    Partnership,
    PartnershipEvent,
    ScoringRun,
)


class MatchingPolicyForm(forms.ModelForm):
    class Meta:
        model = MatchingPolicy
        fields = ("name", "weights", "parameters", "top_k", "note")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "weights" in cleaned and "parameters" in cleaned:
            try:
                policies.validate_policy(
                    weights=cleaned["weights"], parameters=cleaned["parameters"] or {}
                )
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field, errors)
        return cleaned


@admin.register(MatchingPolicy)
class MatchingPolicyAdmin(admin.ModelAdmin):
    form = MatchingPolicyForm
    list_display = ("version", "name", "is_active", "top_k", "created_by", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("version", "is_active", "created_by", "created_at")
    fields = ("version", "is_active", "name", "weights", "parameters", "top_k", "note")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new version starts from the policy in force."""
        active = policies.policy_active()
        return {
            "name": active.name,
            "weights": active.weights,
            "parameters": active.parameters,
            "top_k": active.top_k,
        }

    def save_model(
        self, request: HttpRequest, obj: MatchingPolicy, form: forms.ModelForm, change: bool
    ) -> None:
        published = publishing.policy_publish(
            by=request.user,
            weights=form.cleaned_data["weights"],
            parameters=form.cleaned_data["parameters"] or {},
            top_k=form.cleaned_data["top_k"],
            name=form.cleaned_data["name"],
            note=form.cleaned_data["note"],
        )
        # The page, the history entry and the redirect now refer to the new version.
        for field in MatchingPolicy._meta.concrete_fields:
            setattr(obj, field.attname, getattr(published, field.attname))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "kind",
        "status",
        "progress",
        "policy",
        "reason",
        "started_at",
        "finished_at",
    )
    list_filter = ("kind", "status")
    list_select_related = ("policy",)

    @admin.display(description=_("progress"))
    def progress(self, run: ScoringRun) -> str:
        return f"{run.done}/{run.total} ({run.percent}%)"


class MatchDecisionInline(admin.TabularInline):
    """The review log of a match: who decided what, when and why (written by the review
    service, never edited)."""

    model = MatchDecision
    fields = ("created_at", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("by")


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    inlines = (MatchDecisionInline,)
    list_display = (
        "demand",
        "supplier",
        "kind",
        "status",
        "score",
        "rank",
        "is_current",
        "flagged_at",
    )
    list_filter = ("kind", "status", "is_current")
    search_fields = (
        "supplier__legal_name",
        "supplier__nib",
        "demand__title",
        "demand__manufacturer__name",
    )
    list_select_related = ("demand", "supplier")
    exclude = ("breakdown", "explanation", "failed_constraints")
    readonly_fields = ("reasons", "score_breakdown")

    @admin.display(description=_("reasons"))
    def reasons(self, match: Match) -> str:
        return (
            format_html_join(
                "", "<li>{}</li>", ((text,) for text in match_reasons(match, load_labels()))
            )
            or "-"
        )

    @admin.display(description=_("score breakdown"))
    def score_breakdown(self, match: Match) -> str:
        return (
            format_html_join(
                "",
                "<li>{}: {} × {} = {}</li>",
                (
                    (row["label"], row["value"], row["weight"], row["contribution"])
                    for row in match_breakdown(match)
                ),
            )
            or "-"
        )


@admin.register(ConsortiumSuggestion)
class ConsortiumSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("demand", "member_count", "total_quantity", "unit", "score", "scored_at")
    search_fields = ("demand__title", "demand__manufacturer__name")
    list_select_related = ("demand",)

    @admin.display(description=_("members"))
    def member_count(self, suggestion: ConsortiumSuggestion) -> int:
        return len(suggestion.members)


class PartnershipEventInline(admin.TabularInline):
    model = PartnershipEvent
    fields = ("created_at", "from_stage", "to_stage", "note", "by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partnership)
class PartnershipAdmin(ReadOnlyAdmin):
    list_display = ("supplier", "demand", "stage", "stage_changed_at", "flagged_at")
    list_filter = ("stage",)
    search_fields = ("supplier__legal_name", "demand__title", "demand__manufacturer__name")
    list_select_related = ("supplier", "demand", "demand__manufacturer")
    inlines = (PartnershipEventInline,)


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(SuperuserOnlyAdmin, DrfTokenAdmin):
    """API tokens for other systems (``Authorization: Token <key>``): a superuser issues one
    for a user (add) and revokes it (delete); whoever could do so could act as anyone, so
    no role grants it."""
