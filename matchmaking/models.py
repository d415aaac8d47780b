"""Matching: scoring policies and runs, suggested matches (and near misses), consortium
suggestions, and the partnerships brokered from approved matches."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.history import audited
from common.models import TimeStampedModel
from components.choices import Unit
from partners.models import Demand, Supplier, SupplierCapability

from .choices import (
    IntroductionAnswer,
    MatchKind,
    MatchStatus,
    PartnershipStage,
    ScoringRunKind,
    ScoringRunStatus,
)


class MatchingPolicy(TimeStampedModel):
    """The weights and parameters of the scoring, versioned: an edit creates a new version
    and the previous one is kept, so every stored score can say which policy produced it."""

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120, default="Standard")
    weights = models.JSONField(_("weights"), help_text=_("Weight per factor; normalised to sum 1."))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    top_k = models.PositiveSmallIntegerField(
        _("matches kept per demand"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    history = audited()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("matching policy")
        verbose_name_plural = _("matching policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="matchingpolicy_one_active"
            ),
            models.CheckConstraint(condition=Q(top_k__gte=1), name="matchingpolicy_top_k_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ScoringRun(TimeStampedModel):
    """One rescoring job with its progress, so the UI can show a bar; a full rescore is cut
    into ``shards`` scored by any worker, and a killed worker's shard is resumed instead of
    the whole run. ``cursor``/``cursor_category`` are where a run recorded before shards
    existed had got to (its shards start after it)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ScoringRunKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ScoringRunStatus.choices,
        default=ScoringRunStatus.PENDING,
    )
    policy = models.ForeignKey(
        MatchingPolicy, on_delete=models.PROTECT, related_name="runs", verbose_name=_("policy")
    )
    algorithm_version = models.CharField(_("algorithm version"), max_length=30)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("demands processed"), default=0)
    cursor_category = models.BigIntegerField(
        _("cursor category"),
        default=0,
        help_text=_("Component category of the last demand processed (demands go by category)."),
    )
    cursor = models.BigIntegerField(
        _("cursor"), default=0, help_text=_("Last demand id fully processed.")
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("triggered by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ScoringRunKind.values), name="scoringrun_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ScoringRunStatus.values), name="scoringrun_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="scoringrun_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


class ScoringRunShard(models.Model):
    """One shard of a full rescore: the open demands of one component category with ids in
    ``first_demand_id..last_demand_id``, scored by one ``score_shard_task`` on any worker.
    Planned when the run is recorded; ``finished_at`` set when its rows are committed."""

    run = models.ForeignKey(
        ScoringRun, on_delete=models.CASCADE, related_name="shards", verbose_name=_("run")
    )
    index = models.PositiveIntegerField(_("index"))
    category_id = models.BigIntegerField(_("component category"))
    first_demand_id = models.BigIntegerField(_("first demand id"))
    last_demand_id = models.BigIntegerField(_("last demand id"))
    size = models.PositiveIntegerField(_("demands planned"))
    scored = models.PositiveIntegerField(_("demands scored"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["run_id", "index"]
        verbose_name = _("scoring run shard")
        verbose_name_plural = _("scoring run shards")
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="scoringrunshard_unique_index"),
            models.CheckConstraint(
                condition=Q(first_demand_id__lte=models.F("last_demand_id")),
                name="scoringrunshard_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} / {self.index}"


class Match(TimeStampedModel):
    """A scored supplier for a demand: a match, or a near miss failing one hard constraint.

    Reviewed matches keep their status and history; a rescore refreshes their score and
    reasons but never deletes them. ``qualification_issue`` flags a reviewed match whose
    supplier no longer qualifies (e.g. after a specification change)."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="matches", verbose_name=_("demand")
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="matches", verbose_name=_("supplier")
    )
    capability = models.ForeignKey(
        SupplierCapability,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("capability"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=MatchKind.choices, default=MatchKind.MATCH
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED
    )
    score = models.FloatField(_("score"))
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    breakdown = models.JSONField(
        _("breakdown"),
        default=dict,
        help_text=_(
            "Factor values ('v') and contributions in millionths ('c'), in the order of the "
            "algorithm's factors; the contributions add up exactly to the score."
        ),
    )
    explanation = models.JSONField(
        _("explanation"),
        default=dict,
        help_text=_(
            "The facts behind the reasons ('ctx' of the demand, 'row' of the supplier), as "
            "scored; rendered in the reader's language."
        ),
    )
    failed_constraints = models.JSONField(_("failed constraints"), default=list, blank=True)
    is_current = models.BooleanField(
        _("in the latest ranking"),
        default=True,
        help_text=_("Unticked when a reviewed match is no longer in the latest top list."),
    )
    qualification_issue = models.TextField(_("qualification issue"), blank=True)
    qualification_issue_en = models.TextField(_("qualification issue (English)"), blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    algorithm_version = models.CharField(_("algorithm version"), max_length=30)
    policy = models.ForeignKey(
        MatchingPolicy, on_delete=models.PROTECT, related_name="matches", verbose_name=_("policy")
    )
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        ordering = ["demand", "kind", "-score", "supplier_id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "supplier"], name="match_unique_demand_supplier"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1.000001), name="match_score_in_unit_range"
            ),
            models.CheckConstraint(condition=Q(kind__in=MatchKind.values), name="match_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=MatchStatus.values), name="match_status_valid"
            ),
        ]
        indexes = [
            # the current lists, best first (pages, reranking, incremental thresholds)
            models.Index(
                fields=["demand", "kind", "-score"],
                condition=Q(is_current=True),
                name="match_current_rank_idx",
            ),
            models.Index(fields=["supplier", "status"], name="match_supplier_status_idx"),
            models.Index(fields=["status", "kind"], name="match_status_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} → {self.demand} ({self.score:.3f})"


class MatchDecision(TimeStampedModel):
    """One review decision on a match (shortlist, approve, reject, reopen): who, when, why.

    The log outlives rescoring: the match row keeps its status, this keeps the history."""

    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("match")
    )
    from_status = models.CharField(_("from status"), max_length=12, choices=MatchStatus.choices)
    to_status = models.CharField(_("to status"), max_length=12, choices=MatchStatus.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="match_decisions",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["match", "created_at", "pk"]
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=MatchStatus.values), name="match_decision_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(to_status=MatchStatus.REJECTED) | ~Q(note=""),
                name="match_decision_reject_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.match_id}: {self.from_status} → {self.to_status}"


class ConsortiumSuggestion(TimeStampedModel):
    """A small group of IKM whose free capacities together cover a demand that no single
    supplier can, with each member's share."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="consortia", verbose_name=_("demand")
    )
    members = models.JSONField(
        _("members"), help_text=_("Supplier id, quantity and share of each member.")
    )
    total_quantity = models.DecimalField(_("total quantity"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices)
    score = models.FloatField(_("score"))
    reasons_id = models.JSONField(_("reasons (Indonesian)"), default=list)
    reasons_en = models.JSONField(_("reasons (English)"), default=list)
    algorithm_version = models.CharField(_("algorithm version"), max_length=30)
    policy = models.ForeignKey(
        MatchingPolicy, on_delete=models.PROTECT, related_name="consortia", verbose_name=_("policy")
    )
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        ordering = ["demand", "-score"]
        verbose_name = _("consortium suggestion")
        verbose_name_plural = _("consortium suggestions")
        constraints = [
            models.UniqueConstraint(fields=["demand"], name="consortium_one_per_demand"),
        ]

    def __str__(self) -> str:
        return f"{self.demand}: {len(self.members)}"


class Partnership(TimeStampedModel):
    """A brokered partnership born from an approved match, tracked until it delivers."""

    match = models.OneToOneField(
        Match, on_delete=models.PROTECT, related_name="partnership", verbose_name=_("match")
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("supplier")
    )
    demand = models.ForeignKey(
        Demand, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("demand")
    )
    stage = models.CharField(
        _("stage"),
        max_length=15,
        choices=PartnershipStage.choices,
        default=PartnershipStage.APPROVED,
    )
    stage_changed_at = models.DateTimeField(_("stage changed at"))
    committed_monthly_volume = models.DecimalField(
        _("committed monthly volume"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    committed_unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices, blank=True)
    contract_value_idr = models.BigIntegerField(
        _("contract value (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    jobs_created = models.PositiveIntegerField(_("jobs created"), null=True, blank=True)
    tkdn_percent = models.DecimalField(
        _("TKDN (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    delivered_on_time = models.BooleanField(_("delivered on time"), null=True, blank=True)
    end_reason = models.TextField(_("reason declined / ended"), blank=True)
    qualification_issue = models.TextField(_("qualification issue"), blank=True)
    qualification_issue_en = models.TextField(_("qualification issue (English)"), blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="brokered_partnerships",
        verbose_name=_("officer"),
        help_text=_("The ministry officer brokering this partnership; reminders go to them."),
    )
    reminded_at = models.DateTimeField(
        _("reminded at"),
        null=True,
        blank=True,
        help_text=_("When the last 'not moved for too long' reminder went out."),
    )
    supplier_answer = models.CharField(
        _("IKM's answer"), max_length=15, choices=IntroductionAnswer.choices, blank=True
    )
    supplier_answer_reason = models.TextField(_("IKM's reason"), blank=True)
    supplier_answered_at = models.DateTimeField(_("IKM answered at"), null=True, blank=True)
    manufacturer_answer = models.CharField(
        _("manufacturer's answer"), max_length=15, choices=IntroductionAnswer.choices, blank=True
    )
    manufacturer_answer_reason = models.TextField(_("manufacturer's reason"), blank=True)
    manufacturer_answered_at = models.DateTimeField(
        _("manufacturer answered at"), null=True, blank=True
    )

    class Meta:
        ordering = ["-stage_changed_at"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=PartnershipStage.values), name="partnership_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(committed_monthly_volume__isnull=True)
                | Q(committed_monthly_volume__gte=0),
                name="partnership_volume_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(tkdn_percent__isnull=True)
                | (Q(tkdn_percent__gte=0) & Q(tkdn_percent__lte=100)),
                name="partnership_tkdn_percent_range",
            ),
        ]
        indexes = [
            models.Index(fields=["supplier", "stage"], name="partnership_supplier_stage_idx"),
            models.Index(fields=["stage", "stage_changed_at"], name="partnership_stage_age_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} ↔ {self.demand.manufacturer}"


class PartnershipEvent(TimeStampedModel):
    """One step in a partnership's timeline: a stage change, a note, a flag."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="events", verbose_name=_("partnership")
    )
    from_stage = models.CharField(
        _("from stage"), max_length=15, choices=PartnershipStage.choices, blank=True
    )
    to_stage = models.CharField(
        _("to stage"), max_length=15, choices=PartnershipStage.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["partnership", "created_at", "pk"]
        verbose_name = _("partnership event")
        verbose_name_plural = _("partnership events")

    def __str__(self) -> str:
        return f"{self.partnership}: {self.from_stage} → {self.to_stage}"
