"""Demo partnerships: a few brokered partnerships at different stages, with timelines
spread over the past months, so the dashboard, the pipeline and the attention list show
what a working year looks like. They go through the same services as an officer's clicks
(approve, move, record outcomes), then their timestamps are moved into the past.

The INKA metallic brake-block demand is left alone: the browser tests approve a Ceper
foundry on it themselves."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from matchmaking.choices import MatchKind, MatchStatus, PartnershipStage
from matchmaking.models import Match, MatchDecision, Partnership, PartnershipEvent
from matchmaking.partnerships.review import match_decide
from matchmaking.partnerships.stages import partnership_move, partnership_outcome_update
from partners.models import Demand, User

S = PartnershipStage


@dataclass(frozen=True)
class Scenario:
    demand: str
    # (stage, days ago, note) after the approval, in order
    steps: tuple[tuple[str, int, str], ...]
    approved_days_ago: int
    outcome: dict[str, Any] = field(default_factory=dict)
    committed_share: float = 0.0  # of the capability's monthly capacity


SCENARIOS = (
    Scenario(
        demand="Rumah side bearer bogie gerbong",
        approved_days_ago=240,
        steps=(
            (S.INTRODUCED, 232, "Perkenalan di temu bisnis INKA, Madiun."),
            (S.MEETING_HELD, 210, "Kunjungan pabrik ke Ceper; gambar teknik diserahkan."),
            (S.TRIAL_ORDER, 180, "Sampel 20 unit lolos uji dimensi dan kekerasan."),
            (S.CONTRACT, 130, "PO tahunan ditandatangani."),
            (S.ACTIVE_SUPPLY, 100, "Pengiriman bulanan berjalan."),
        ),
        outcome={"contract_value_idr": 1_250_000_000, "jobs_created": 14, "tkdn_percent": 72},
        committed_share=0.4,
    ),
    Scenario(
        demand="Dudukan atas pegas journal",
        approved_days_ago=330,
        steps=(
            (S.INTRODUCED, 320, "Dikenalkan oleh pembina Dinas Perindustrian Klaten."),
            (S.MEETING_HELD, 300, "Rapat teknis di INKA."),
            (S.TRIAL_ORDER, 270, "Pesanan uji 50 unit."),
            (S.CONTRACT, 240, "Kontrak enam bulan."),
            (S.ACTIVE_SUPPLY, 210, "Pasokan berjalan."),
            (S.COMPLETED, 30, "Kontrak selesai, semua pengiriman tepat waktu."),
        ),
        outcome={
            "contract_value_idr": 480_000_000,
            "jobs_created": 6,
            "tkdn_percent": 80,
            "delivered_on_time": True,
        },
    ),
    Scenario(
        demand="Tromol rem belakang",
        approved_days_ago=150,
        steps=(
            (S.INTRODUCED, 140, "Perkenalan lewat program kemitraan AHM."),
            (S.MEETING_HELD, 120, "Audit awal pemasok oleh AHM."),
            (S.CONTRACT, 75, "PO untuk tiga bulan pertama."),
        ),
        outcome={"contract_value_idr": 850_000_000, "jobs_created": 9, "tkdn_percent": 55},
        committed_share=0.3,
    ),
    Scenario(
        demand="Heatsink aluminium amplifier",
        approved_days_ago=110,
        steps=(
            (S.INTRODUCED, 100, "Perkenalan di temu bisnis elektronika, Semarang."),
            (S.MEETING_HELD, 90, "Polytron meminta sampel dengan anodisasi."),
            (S.TRIAL_ORDER, 48, "Sampel 200 unit dikirim; menunggu hasil uji termal."),
        ),
        committed_share=0.1,
    ),
    Scenario(
        demand="Segmen drum roda penggilas 10 ton",
        approved_days_ago=75,
        steps=((S.INTRODUCED, 62, "Perkenalan lewat surat Ditjen IKMA."),),
    ),
    Scenario(
        demand="Kursi makan jati untuk ekspor",
        approved_days_ago=200,
        steps=(
            (S.INTRODUCED, 190, "Perkenalan di pameran mebel Jepara."),
            (S.DECLINED, 170, "Harga per unit di atas anggaran pembeli."),
        ),
    ),
)


def _backdate(partnership: Partnership, when: datetime.datetime) -> None:
    Partnership.objects.filter(pk=partnership.pk).update(stage_changed_at=when)
    last = PartnershipEvent.objects.filter(partnership=partnership).order_by("-pk").first()
    if last is not None:
        PartnershipEvent.objects.filter(pk=last.pk).update(created_at=when, updated_at=when)


def _top_match(demand: Demand) -> Match | None:
    return (
        Match.objects.filter(
            demand=demand, kind=MatchKind.MATCH, is_current=True, status=MatchStatus.SUGGESTED
        )
        .select_related("capability")
        .order_by("rank", "-score")
        .first()
    )


def _play(scenario: Scenario, officer: User, now: datetime.datetime) -> bool:
    demand = Demand.objects.filter(title=scenario.demand).first()
    match = _top_match(demand) if demand else None
    if match is None:
        return False
    approved_at = now - datetime.timedelta(days=scenario.approved_days_ago)
    match_decide(
        demand_id=match.demand_id,
        supplier_id=match.supplier_id,
        to_status=MatchStatus.APPROVED,
        by=officer,
        note="Disetujui untuk diperkenalkan.",
        expected_status=MatchStatus.SUGGESTED,
    )
    MatchDecision.objects.filter(match=match).update(created_at=approved_at)
    Match.objects.filter(pk=match.pk).update(reviewed_at=approved_at)
    partnership = Partnership.objects.get(match=match)
    Partnership.objects.filter(pk=partnership.pk).update(created_at=approved_at)
    _backdate(partnership, approved_at)
    stage: str = PartnershipStage.APPROVED
    for to_stage, days_ago, note in scenario.steps:
        if to_stage in (S.CONTRACT, S.ACTIVE_SUPPLY, S.COMPLETED) and scenario.outcome:
            partnership_outcome_update(
                partnership_id=partnership.pk, by=officer, data=_outcome(scenario, match)
            )
        partnership_move(
            partnership_id=partnership.pk,
            to_stage=to_stage,
            by=officer,
            note=note,
            expected_stage=stage,
        )
        stage = to_stage
        _backdate(partnership, now - datetime.timedelta(days=days_ago))
    return True


def _outcome(scenario: Scenario, match: Match) -> dict[str, Any]:
    data = dict(scenario.outcome)
    capability = match.capability
    if scenario.committed_share and capability is not None:
        volume = capability.monthly_capacity * Decimal(str(scenario.committed_share))
        data["committed_monthly_volume"] = volume.quantize(Decimal("1"))
        data["committed_unit"] = capability.capacity_unit
    return data


def load_demo_partnerships(*, officer_username: str = "staff") -> int:
    """Broker the demo partnerships once (none are added when any partnership exists);
    return how many were created. Needs a finished rescore (it approves top matches)."""
    if Partnership.objects.exists():
        return 0
    officer = User.objects.get(username=officer_username)
    now = timezone.now()
    created = 0
    # The in-app notifications are part of the demo; e-mails to made-up addresses are not.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for scenario in SCENARIOS:
            with transaction.atomic():
                created += _play(scenario, officer, now)
    return created
