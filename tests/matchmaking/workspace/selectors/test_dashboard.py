"""Dashboard selectors: headline figures, chart series and the attention list on small,
known datasets."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from matchmaking.choices import MatchKind, MatchStatus, PartnershipStage
from matchmaking.models import Match, Partnership, PartnershipEvent
from matchmaking.workspace.selectors.dashboard import (
    dashboard_attention,
    dashboard_headline,
    flagged_matches,
    flagged_partnerships,
    month_ends,
    province_chart,
    sector_chart,
    stage_history,
    stale_partnerships,
    unmatched_demands,
)
from matchmaking.workspace.selectors.pipeline import with_days_in_stage
from partners.choices import DemandStatus, VerificationStatus
from tests.components.factories import (
    ComponentCategoryFactory,
    ComponentTypeFactory,
    ProvinceFactory,
    RegencyFactory,
    SectorFactory,
)
from tests.matchmaking.factories import MatchFactory, PartnershipFactory
from tests.partners.factories import DemandFactory, SupplierCapabilityFactory, SupplierFactory

pytestmark = pytest.mark.django_db

VERIFIED = VerificationStatus.VERIFIED
OPEN = DemandStatus.OPEN


def verified_supplier(**fields):
    return SupplierFactory(verification_status=VERIFIED, **fields)


def partnership(*, demand, supplier, stage=PartnershipStage.CONTRACT, **fields) -> Partnership:
    return PartnershipFactory(match__demand=demand, match__supplier=supplier, stage=stage, **fields)


def backdate(obj, when: datetime.datetime) -> None:
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)


def stage_change(p: Partnership, from_stage: str, to_stage: str, when: datetime.datetime):
    event = PartnershipEvent.objects.create(partnership=p, from_stage=from_stage, to_stage=to_stage)
    backdate(event, when)
    return event


# --- headline -----------------------------------------------------------------------------


def test_headline_counts_registered_verified_open_waiting_and_outcomes():
    # given: three active IKM (two verified), one verified but inactive
    demand = DemandFactory(status=OPEN)
    closed = DemandFactory(status=DemandStatus.CLOSED)
    DemandFactory(status=DemandStatus.DRAFT)
    a, b = verified_supplier(), verified_supplier()
    SupplierFactory(verification_status=VerificationStatus.PENDING)
    SupplierFactory(verification_status=VERIFIED, is_active=False)
    # matches: two waiting on the open demand, the rest not waiting for review
    MatchFactory(demand=demand, supplier=a, status=MatchStatus.SUGGESTED)
    MatchFactory(demand=demand, supplier=b, status=MatchStatus.SHORTLISTED)
    c = verified_supplier()
    MatchFactory(demand=demand, supplier=c, kind=MatchKind.NEAR_MISS, rank=None)
    d = verified_supplier()
    MatchFactory(demand=demand, supplier=d, is_current=False)
    MatchFactory(demand=closed, supplier=a, status=MatchStatus.SUGGESTED)
    # partnerships with outcomes (their matches are approved, so not waiting)
    e, g = verified_supplier(), verified_supplier()
    partnership(
        demand=demand,
        supplier=e,
        stage=PartnershipStage.CONTRACT,
        contract_value_idr=1_250_000_000,
        jobs_created=12,
    )
    partnership(
        demand=demand,
        supplier=g,
        stage=PartnershipStage.ACTIVE_SUPPLY,
        contract_value_idr=750_000_000,
        jobs_created=8,
    )
    partnership(demand=closed, supplier=verified_supplier(), stage=PartnershipStage.APPROVED)

    # when
    headline = dashboard_headline()

    # then
    assert headline.registered_suppliers == 8
    assert headline.verified_suppliers == 7
    assert headline.open_demands == 1
    assert headline.matches_to_review == 2
    assert headline.partnerships == 3
    assert headline.contract_value_idr == 2_000_000_000
    assert headline.jobs_created == 20
    by_stage = {row.stage: row.count for row in headline.by_stage}
    assert by_stage == {
        "approved": 1,
        "introduced": 0,
        "meeting_held": 0,
        "trial_order": 0,
        "contract": 1,
        "active_supply": 1,
        "completed": 0,
        "declined": 0,
        "ended": 0,
    }
    assert [row.stage for row in headline.by_stage] == list(PartnershipStage.values)


def test_headline_on_an_empty_registry_is_all_zero():
    headline = dashboard_headline()

    assert headline.registered_suppliers == headline.open_demands == 0
    assert headline.partnerships == headline.contract_value_idr == headline.jobs_created == 0


# --- charts -------------------------------------------------------------------------------


@pytest.fixture
def two_sectors():
    railway = SectorFactory(name_id="Perkeretaapian", name_en="Railway")
    furniture = SectorFactory(name_id="Furnitur", name_en="Furniture")
    SectorFactory(name_id="Elektronika", name_en="Electronics")  # nothing in it
    brakes = ComponentTypeFactory(category=ComponentCategoryFactory(sector=railway))
    bogie = ComponentTypeFactory(category=ComponentCategoryFactory(sector=railway))
    chair = ComponentTypeFactory(category=ComponentCategoryFactory(sector=furniture))
    return railway, furniture, brakes, bogie, chair


def test_sector_chart_counts_capable_ikm_open_demands_and_partnerships(two_sectors):
    railway, furniture, brakes, bogie, chair = two_sectors
    # given: a foundry able to make two railway parts counts once for railway
    foundry = verified_supplier()
    SupplierCapabilityFactory(supplier=foundry, component_type=brakes)
    SupplierCapabilityFactory(supplier=foundry, component_type=bogie)
    second = verified_supplier()
    SupplierCapabilityFactory(supplier=second, component_type=brakes)
    unverified = SupplierFactory(verification_status=VerificationStatus.PENDING)
    SupplierCapabilityFactory(supplier=unverified, component_type=brakes)
    carpenter = verified_supplier()
    SupplierCapabilityFactory(supplier=carpenter, component_type=chair)
    # two open railway demands and a draft one, one open furniture demand
    brake_demand = DemandFactory(component_type=brakes, status=OPEN)
    DemandFactory(component_type=bogie, status=OPEN)
    DemandFactory(component_type=bogie, status=DemandStatus.DRAFT)
    chair_demand = DemandFactory(component_type=chair, status=OPEN)
    partnership(demand=brake_demand, supplier=foundry)
    partnership(demand=brake_demand, supplier=second, stage=PartnershipStage.DECLINED)

    # when
    with translation.override("en"):
        rows = sector_chart()

    # then: most capable IKM first, the empty sector left out, names in the active language
    assert [(r.name, r.suppliers, r.open_demands, r.partnerships) for r in rows] == [
        ("Railway", 2, 2, 2),
        ("Furniture", 1, 1, 0),
    ]
    assert chair_demand.component_type.category.sector == furniture
    with translation.override("id"):
        assert [r.name for r in sector_chart()] == ["Perkeretaapian", "Furnitur"]


def test_province_chart_ranks_provinces_by_registered_ikm_with_their_partnerships():
    jateng = RegencyFactory()  # Klaten, Jawa Tengah (33)
    jatim = RegencyFactory(
        code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35", name="Jawa Timur")
    )
    jabar = RegencyFactory(
        code="32.09", name="Kab. Cirebon", province=ProvinceFactory(code="32", name="Jawa Barat")
    )
    klaten = [verified_supplier(regency=jateng) for _ in range(3)]
    madiun = verified_supplier(regency=jatim)
    SupplierFactory(regency=jatim, verification_status=VerificationStatus.PENDING)
    SupplierFactory(regency=jabar, is_active=False)  # inactive: Jawa Barat has no IKM
    demand = DemandFactory(status=OPEN)
    partnership(demand=demand, supplier=klaten[0])
    partnership(demand=demand, supplier=madiun)
    partnership(demand=demand, supplier=klaten[1], stage=PartnershipStage.COMPLETED)

    rows = province_chart()

    assert [(r.code, r.name, r.suppliers, r.partnerships) for r in rows] == [
        ("33", "Jawa Tengah", 3, 2),
        ("35", "Jawa Timur", 2, 1),
    ]
    assert [r.code for r in province_chart(limit=1)] == ["33"]


NOW = timezone.make_aware(datetime.datetime(2026, 6, 15, 12, 0))


def at(year: int, month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


def test_month_ends_cover_the_last_twelve_months_ending_today():
    ends = month_ends(now=NOW)

    assert [first for first, _ in ends][:2] == [
        datetime.date(2025, 7, 1),
        datetime.date(2025, 8, 1),
    ]
    assert ends[-1] == (datetime.date(2026, 6, 1), NOW)
    assert ends[0][1] == timezone.make_aware(datetime.datetime(2025, 8, 1))
    assert ends[5][1] == timezone.make_aware(datetime.datetime(2026, 1, 1))  # over new year
    assert len(ends) == 12


def test_stage_history_rebuilds_each_month_end_from_the_timeline():
    demand = DemandFactory(status=OPEN)
    # given: approved in March, introduced in April, contract in June (today)
    moving = partnership(
        demand=demand, supplier=verified_supplier(), stage=PartnershipStage.CONTRACT
    )
    backdate(moving, at(2026, 3, 10))
    stage_change(moving, "", "approved", at(2026, 3, 10))
    stage_change(moving, "approved", "introduced", at(2026, 4, 20))
    flag = PartnershipEvent.objects.create(partnership=moving, note="Supplier no longer qualifies")
    backdate(flag, at(2026, 5, 5))  # a flag is no stage change
    stage_change(moving, "introduced", "contract", at(2026, 6, 2))
    # a partnership without a timeline keeps its current stage from its creation on
    quiet = partnership(
        demand=demand, supplier=verified_supplier(), stage=PartnershipStage.MEETING_HELD
    )
    backdate(quiet, at(2026, 5, 1))
    # one whose timeline starts after creation: before its first change it was where that
    # change started
    late = partnership(demand=demand, supplier=verified_supplier(), stage=PartnershipStage.DECLINED)
    backdate(late, at(2026, 1, 15))
    stage_change(late, "introduced", "declined", at(2026, 4, 3))
    # created after today: not counted
    future = partnership(demand=demand, supplier=verified_supplier())
    backdate(future, at(2026, 7, 1))

    history = stage_history(now=NOW)

    assert history.months[-4:] == [datetime.date(2026, m, 1) for m in (3, 4, 5, 6)]
    last = {stage: series[-6:] for stage, series in history.series.items() if any(series)}
    #                  Jan Feb Mar Apr May Jun
    assert last == {
        "approved": [0, 0, 1, 0, 0, 0],
        "introduced": [1, 1, 1, 1, 1, 0],
        "meeting_held": [0, 0, 0, 0, 1, 1],
        "contract": [0, 0, 0, 0, 0, 1],
        "declined": [0, 0, 0, 1, 1, 1],
    }
    assert all(n == 0 for series in history.series.values() for n in series[:6])


def test_stage_history_without_partnerships_is_twelve_zero_months():
    history = stage_history(now=NOW)

    assert len(history.months) == 12
    assert set(history.series) == set(PartnershipStage.values)
    assert all(series == [0] * 12 for series in history.series.values())


# --- attention ----------------------------------------------------------------------------


def test_unmatched_demands_are_open_demands_without_a_current_match_with_near_misses():
    matched = DemandFactory(status=OPEN)
    MatchFactory(demand=matched)
    # only near misses
    near = DemandFactory(status=OPEN, needed_by=timezone.localdate() + datetime.timedelta(10))
    MatchFactory(demand=near, kind=MatchKind.NEAR_MISS, rank=None)
    MatchFactory(demand=near, kind=MatchKind.NEAR_MISS, rank=None)
    MatchFactory(demand=near, kind=MatchKind.NEAR_MISS, rank=None, is_current=False)
    # its only match fell out of the latest ranking
    retired = DemandFactory(status=OPEN, needed_by=timezone.localdate() + datetime.timedelta(20))
    MatchFactory(demand=retired, status=MatchStatus.APPROVED, is_current=False)
    nothing = DemandFactory(status=OPEN, needed_by=timezone.localdate() + datetime.timedelta(30))
    DemandFactory(status=DemandStatus.CLOSED)
    DemandFactory(status=DemandStatus.DRAFT)

    rows = list(unmatched_demands())

    assert [(d.pk, d.near_misses) for d in rows] == [
        (near.pk, 2),
        (retired.pk, 0),
        (nothing.pk, 0),
    ]


def test_stale_partnerships_are_live_ones_unmoved_for_longer_than_the_setting(settings):
    settings.PARTNERSHIP_STALE_DAYS = 30
    now = timezone.now()
    demand = DemandFactory(status=OPEN)

    def aged(days, stage=PartnershipStage.INTRODUCED):
        return partnership(
            demand=demand,
            supplier=verified_supplier(),
            stage=stage,
            stage_changed_at=now - datetime.timedelta(days=days),
        )

    stuck_long = aged(75, PartnershipStage.MEETING_HELD)
    stuck = aged(31)
    aged(29)  # still fresh
    aged(90, PartnershipStage.COMPLETED)  # closed stages are never stuck
    aged(90, PartnershipStage.DECLINED)

    rows = with_days_in_stage(stale_partnerships())

    assert [(p.pk, p.days_in_stage) for p in rows] == [(stuck_long.pk, 75), (stuck.pk, 31)]
    settings.PARTNERSHIP_STALE_DAYS = 60
    assert [p.pk for p in stale_partnerships()] == [stuck_long.pk]


def test_flagged_rows_are_live_partnerships_and_watched_matches_that_no_longer_qualify():
    now = timezone.now()
    demand = DemandFactory(status=OPEN)
    issue = {
        "qualification_issue": "Tidak memiliki sertifikat wajib ISO 9001",
        "qualification_issue_en": "Lacks the mandatory certificate ISO 9001",
    }
    broken = partnership(
        demand=demand,
        supplier=verified_supplier(),
        stage=PartnershipStage.TRIAL_ORDER,
        flagged_at=now,
        **issue,
    )
    partnership(
        demand=demand,
        supplier=verified_supplier(),
        stage=PartnershipStage.COMPLETED,
        flagged_at=now,
        **issue,
    )
    partnership(demand=demand, supplier=verified_supplier())  # fine
    approved = MatchFactory(
        demand=demand, status=MatchStatus.APPROVED, flagged_at=now - datetime.timedelta(1), **issue
    )
    shortlisted = MatchFactory(
        demand=demand, status=MatchStatus.SHORTLISTED, flagged_at=now, **issue
    )
    MatchFactory(demand=demand, status=MatchStatus.REJECTED, flagged_at=now, **issue)
    MatchFactory(demand=demand, status=MatchStatus.APPROVED)  # fine

    assert [p.pk for p in flagged_partnerships()] == [broken.pk]
    # the broken partnership's own match, flagged too, is listed with the partnership only
    Match.objects.filter(pk=broken.match_id).update(**issue, flagged_at=now)
    assert [m.pk for m in flagged_matches()] == [shortlisted.pk, approved.pk]


def test_dashboard_attention_keeps_the_first_rows_and_the_total_of_each_section():
    for _ in range(7):
        DemandFactory(status=OPEN)

    attention = dashboard_attention(limit=5)

    assert list(attention) == [
        "unmatched_demands",
        "stale_partnerships",
        "flagged_partnerships",
        "flagged_matches",
    ]
    assert attention["unmatched_demands"].total == 7
    assert len(attention["unmatched_demands"].rows) == 5
    assert attention["stale_partnerships"].total == 0
    assert attention["stale_partnerships"].rows == []
