"""From the database into the scoring core's arrays, with as few queries as possible.

Every query here is a ``values_list`` (no model instances), and set-valued features are
OR-ed into bitmask columns with numpy, so 50,000 suppliers load in well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from django.db import connection
from django.db.models import Count, Model, Q, QuerySet

from components.models import (
    Certification,
    ComponentCategory,
    ComponentType,
    KbliCode,
    Material,
    Process,
    Sector,
)
from partners.choices import DemandStatus, VerificationStatus
from partners.models import Demand, Supplier, SupplierCapability, SupplierCertification

from ..choices import CAPACITY_COMMITTING_STAGES, LIVE_PARTNERSHIP_STAGES, PartnershipStage
from ..models import Match, MatchingPolicy, Partnership
from ..scoring.inputs import NOT_HELD, Candidates, DemandSpec, Vocabularies, valid_until_ordinal
from ..scoring.texts import Labels
from ..scoring.units import UNIT_CODES, conversion
from ..scoring.vocab import WORD_BITS, Vocabulary


def load_vocabularies() -> Vocabularies:
    return Vocabularies.build(
        processes=list(Process.objects.order_by("pk").values_list("pk", flat=True)),
        materials=list(Material.objects.order_by("pk").values_list("pk", flat=True)),
        certifications=list(Certification.objects.order_by("pk").values_list("pk", flat=True)),
        kbli_codes=list(KbliCode.objects.order_by("code").values_list("code", flat=True)),
    )


def load_labels() -> Labels:
    """Names (Indonesian, English) the reasons use for catalogue ids."""

    def bilingual(model) -> dict[int, tuple[str, str]]:
        return {
            pk: (name_id, name_en or name_id)
            for pk, name_id, name_en in model.objects.values_list("pk", "name_id", "name_en")
        }

    return Labels(
        processes=bilingual(Process),
        materials=bilingual(Material),
        component_types=bilingual(ComponentType),
        certifications={
            pk: (name, name) for pk, name in Certification.objects.values_list("pk", "name")
        },
    )


def _set_bits(masks: np.ndarray, rows: np.ndarray, vocab: Vocabulary, keys: Iterable) -> None:
    """OR the bit of each key into ``masks[row]`` (unknown keys are skipped)."""
    positions = np.array([vocab._positions.get(k, -1) for k in keys], dtype=np.int64)
    keep = positions >= 0
    rows, positions = rows[keep], positions[keep]
    if len(rows) == 0:
        return
    bits = np.left_shift(np.uint64(1), (positions % WORD_BITS).astype(np.uint64))
    np.bitwise_or.at(masks, (rows, positions // WORD_BITS), bits)


def _row_index(sorted_ids: np.ndarray, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``ids`` in ``sorted_ids`` and a mask of those found."""
    ids = np.fromiter(ids, dtype=np.int64)
    pos = np.searchsorted(sorted_ids, ids)
    pos = np.clip(pos, 0, max(len(sorted_ids) - 1, 0))
    found = (sorted_ids[pos] == ids) if len(sorted_ids) else np.zeros(len(ids), dtype=bool)
    return pos, found


def load_candidates(
    vocab: Vocabularies,
    *,
    supplier_ids: Iterable[int] | None = None,
    category_ids: Iterable[int] | None = None,
) -> Candidates:
    """Capability rows of verified, active suppliers (optionally of some suppliers or some
    component categories), with free capacity, certifications, KBLI codes, track record and
    load filled in."""
    caps = SupplierCapability.objects.filter(
        supplier__verification_status=VerificationStatus.VERIFIED, supplier__is_active=True
    )
    if supplier_ids is not None:
        supplier_ids = list(supplier_ids)
        caps = caps.filter(supplier_id__in=supplier_ids)
    if category_ids is not None:
        caps = caps.filter(component_type__category_id__in=list(category_ids))
    rows = list(
        caps.order_by("pk").values_list(
            "pk",
            "supplier_id",
            "component_type_id",
            "component_type__category_id",
            "monthly_capacity",
            "capacity_unit",
            "minimum_order",
            "lead_time_days",
            "supplier__latitude",
            "supplier__longitude",
            "component_type__unit",
            "component_type__unit_weight_kg",
        )
    )
    n = len(rows)
    cap_id = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    supplier_id = np.fromiter((r[1] for r in rows), dtype=np.int64, count=n)
    capacity = np.fromiter((float(r[4]) for r in rows), dtype=np.float64, count=n)
    units = [r[5] for r in rows]
    nan = float("nan")

    processes = np.zeros((n, vocab.processes.words), dtype=np.uint64)
    materials = np.zeros((n, vocab.materials.words), dtype=np.uint64)
    kbli = np.zeros((n, vocab.kbli.words), dtype=np.uint64)
    kbli_div = np.zeros((n, vocab.kbli_divisions.words), dtype=np.uint64)
    certs = np.full((n, len(vocab.certifications)), NOT_HELD, dtype=np.int64)
    completed = np.zeros(n, dtype=np.int64)
    on_time = np.zeros(n, dtype=np.int64)
    load = np.zeros(n, dtype=np.int64)

    if n:
        cap_filter = Q(suppliercapability_id__in=caps.values("pk"))
        process_links = SupplierCapability.processes.through.objects.filter(cap_filter)
        pairs = list(process_links.values_list("suppliercapability_id", "process_id"))
        pos, ok = _row_index(cap_id, (p[0] for p in pairs))
        _set_bits(
            processes, pos[ok], vocab.processes, [p[1] for p, o in zip(pairs, ok, strict=True) if o]
        )
        material_links = SupplierCapability.materials.through.objects.filter(cap_filter)
        pairs = list(material_links.values_list("suppliercapability_id", "material_id"))
        pos, ok = _row_index(cap_id, (p[0] for p in pairs))
        _set_bits(
            materials, pos[ok], vocab.materials, [p[1] for p, o in zip(pairs, ok, strict=True) if o]
        )

        # Supplier-level facts, spread to every capability row of the supplier.
        row_of_supplier = defaultdict(list)
        for row, sid in enumerate(supplier_id.tolist()):
            row_of_supplier[sid].append(row)
        # Only the suppliers of these rows (a subquery: no parameter limits).
        supplier_filter = (
            {"supplier_id__in": supplier_ids}
            if supplier_ids is not None
            else {"supplier_id__in": caps.values("supplier_id")}
        )

        best: dict[tuple[int, int], int] = {}
        for sid, cert_id, valid_until in SupplierCertification.objects.filter(
            **supplier_filter
        ).values_list("supplier_id", "certification_id", "valid_until"):
            key = (sid, cert_id)
            best[key] = max(best.get(key, NOT_HELD), valid_until_ordinal(valid_until))
        for (sid, cert_id), ordinal in best.items():
            if sid in row_of_supplier and cert_id in vocab.certifications:
                certs[row_of_supplier[sid], vocab.certifications.position(cert_id)] = ordinal

        kbli_pairs = [
            (sid, code)
            for sid, code in Supplier.kbli_codes.through.objects.filter(
                **supplier_filter
            ).values_list("supplier_id", "kblicode_id")
            if sid in row_of_supplier
        ]
        kbli_rows = [row_of_supplier[sid] for sid, _ in kbli_pairs]
        flat_rows = np.array([r for rs in kbli_rows for r in rs], dtype=np.int64)
        flat_codes = [
            code for (sid, code), rs in zip(kbli_pairs, kbli_rows, strict=True) for _ in rs
        ]
        _set_bits(kbli, flat_rows, vocab.kbli, flat_codes)
        _set_bits(kbli_div, flat_rows, vocab.kbli_divisions, [c[:2] for c in flat_codes])

        record = (
            Partnership.objects.filter(**supplier_filter)
            .values("supplier_id")
            .annotate(
                completed=Count("pk", filter=Q(stage=PartnershipStage.COMPLETED)),
                on_time=Count(
                    "pk", filter=Q(stage=PartnershipStage.COMPLETED, delivered_on_time=True)
                ),
                live=Count("pk", filter=Q(stage__in=LIVE_PARTNERSHIP_STAGES)),
            )
        )
        for item in record:
            idx = row_of_supplier.get(item["supplier_id"])
            if idx:
                completed[idx] = item["completed"]
                on_time[idx] = item["on_time"]
                load[idx] = item["live"]

        capacity -= _committed_volume(cap_id, rows, supplier_filter)
        np.maximum(capacity, 0.0, out=capacity)

    return Candidates(
        vocab=vocab,
        supplier_id=supplier_id,
        capability_id=cap_id,
        component_type_id=np.fromiter((r[2] for r in rows), dtype=np.int64, count=n),
        category_id=np.fromiter((r[3] for r in rows), dtype=np.int64, count=n),
        processes=processes,
        materials=materials,
        cert_valid_until=certs,
        free_capacity=capacity,
        capacity_unit=np.fromiter((UNIT_CODES[u] for u in units), dtype=np.int64, count=n),
        minimum_order=np.fromiter(
            (float(r[6]) if r[6] is not None else 0.0 for r in rows), dtype=np.float64, count=n
        ),
        lead_time_days=np.fromiter((float(r[7]) for r in rows), dtype=np.float64, count=n),
        latitude=np.fromiter(
            (r[8] if r[8] is not None else nan for r in rows), dtype=np.float64, count=n
        ),
        longitude=np.fromiter(
            (r[9] if r[9] is not None else nan for r in rows), dtype=np.float64, count=n
        ),
        kbli=kbli,
        kbli_divisions=kbli_div,
        completed=completed,
        on_time=on_time,
        load=load,
        verified_active=np.ones(n, dtype=np.bool_),
    )


def fingerprint(parts: Iterable[tuple[type[Model], str | None]]) -> tuple:
    """Row count and latest ``stamp`` of each model's table, in one query."""
    qn = connection.ops.quote_name
    selects = []
    for model, stamp in parts:
        table = qn(model._meta.db_table)
        selects.append(f"(SELECT COUNT(*) FROM {table})")  # nosec B608
        if stamp:
            selects.append(f"(SELECT MAX({qn(stamp)}) FROM {table})")  # nosec B608
    # bandit B608: model table and column names quoted by quote_name; no values.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}")  # nosec B608
        return tuple(cursor.fetchone() or ())


def context_fingerprint() -> tuple:
    """What a scoring context is loaded from (the policies, the catalogue the vocabularies
    and labels come from), summed up in one query: a policy is never edited in place (a
    new version is created), a catalogue edit moves a count or an ``updated_at``."""
    return fingerprint(
        [
            (MatchingPolicy, "updated_at"),
            (Process, "updated_at"),
            (Material, "updated_at"),
            (Certification, "updated_at"),
            (ComponentType, "updated_at"),
            (KbliCode, None),
        ]
    )


def candidates_fingerprint() -> tuple:
    """What the capability rows are loaded from, summed up in one query: the latest change
    and the row count of the supplier-side tables (a deletion lowers a count, an edit
    through a service or the admin moves an ``updated_at``). Equal fingerprints mean
    :func:`load_candidates` would return the same rows."""
    return fingerprint(
        [
            (Supplier, "updated_at"),
            (SupplierCapability, "updated_at"),
            (SupplierCertification, "updated_at"),
            (Partnership, "updated_at"),
            (SupplierCapability.processes.through, None),
            (SupplierCapability.materials.through, None),
            (Supplier.kbli_codes.through, None),
        ]
    )


def committed_capabilities(supplier_id: int) -> dict[int, int | None]:
    """Which capability each match of the supplier that carries a partnership's committed
    volume points at (match id → capability id; None once that capability was deleted)."""
    return dict(
        Partnership.objects.filter(
            match__supplier_id=supplier_id,
            stage__in=CAPACITY_COMMITTING_STAGES,
            committed_monthly_volume__gt=0,
        )
        .order_by()
        .values_list("match_id", "match__capability_id")
    )


def _committed_volume(cap_id: np.ndarray, rows: list, supplier_filter: dict) -> np.ndarray:
    """Monthly volume already committed to partnerships, per capability row, in the
    capability's unit (volumes in another unit convert through the type's unit weight)."""
    committed = np.zeros(len(cap_id), dtype=np.float64)
    # Partnerships first, then their matches' capabilities: joining the (large) match
    # table into the first query made the planner scan it even with no partnership.
    commitments = list(
        Partnership.objects.filter(
            stage__in=CAPACITY_COMMITTING_STAGES,
            committed_monthly_volume__gt=0,
            **supplier_filter,
        ).values_list("match_id", "committed_unit", "committed_monthly_volume")
    )
    if not commitments:
        return committed
    capability_of = dict(
        Match.objects.filter(
            pk__in=[match_id for match_id, _, _ in commitments], capability_id__isnull=False
        ).values_list("pk", "capability_id")
    )
    totals: dict[tuple[int, str], float] = defaultdict(float)
    for match_id, unit, volume in commitments:
        assert volume is not None  # filtered on committed_monthly_volume__gt=0
        if match_id in capability_of:
            totals[(capability_of[match_id], unit)] += float(volume)
    for (capability_id, unit), total in totals.items():
        pos, found = _row_index(cap_id, [capability_id])
        if not found[0]:
            continue
        row = rows[int(pos[0])]
        target_unit, type_unit, weight = row[5], row[10], row[11]
        factor, _kind = conversion(
            unit or target_unit,
            target_unit,
            item_unit=type_unit,
            unit_weight_kg=float(weight) if weight is not None else None,
        )
        if factor is not None:
            committed[int(pos[0])] += total * factor
    return committed


def load_demand_specs(demands: Iterable[int] | QuerySet | None = None) -> list[DemandSpec]:
    """Open demands (or the given ids or demand queryset, whatever their status) as engine
    inputs. A queryset is used as a subquery, which keeps thousands of ids out of the SQL.

    Only demands of verified, active manufacturers are matched, as only verified, active
    suppliers are candidates (``load_candidates``): a company still waiting for the
    ministry's verification, or rejected or suspended, gets no suggestions."""
    if demands is None:
        qs = Demand.objects.filter(status=DemandStatus.OPEN)
    elif isinstance(demands, QuerySet):
        qs = demands
    else:
        qs = Demand.objects.filter(pk__in=list(demands))
    qs = qs.filter(
        manufacturer__verification_status=VerificationStatus.VERIFIED,
        manufacturer__is_active=True,
    )
    rows = list(
        qs.order_by("pk").values_list(
            "pk",
            "component_type_id",
            "component_type__category_id",
            "component_type__category__sector_id",
            "quantity_per_month",
            "unit",
            "needed_by",
            "component_type__unit",
            "component_type__unit_weight_kg",
            "material_id",
            "plant__latitude",
            "plant__longitude",
            "component_type__kbli_id",
            "plant__regency__latitude",
            "plant__regency__longitude",
        )
    )
    type_ids = {r[1] for r in rows}
    type_processes: dict[int, set[int]] = defaultdict(set)
    for tid, pid in ComponentType.required_processes.through.objects.filter(
        componenttype_id__in=type_ids
    ).values_list("componenttype_id", "process_id"):
        type_processes[tid].add(pid)
    sector_kbli: dict[int, set[str]] = defaultdict(set)
    for sid, code in Sector.kbli_codes.through.objects.values_list("sector_id", "kblicode_id"):
        sector_kbli[sid].add(code)

    def m2m(field: str, column: str) -> dict[int, set[int]]:
        result: dict[int, set[int]] = defaultdict(set)
        through = getattr(Demand, field).through
        for did, value in through.objects.filter(demand_id__in=qs.values("pk")).values_list(
            "demand_id", column
        ):
            result[did].add(value)
        return result

    related = related_categories({r[2] for r in rows})
    extra = m2m("required_processes", "process_id")
    mandatory = m2m("mandatory_certifications", "certification_id")
    preferred = m2m("preferred_certifications", "certification_id")
    specs = []
    for r in rows:
        kbli_codes = set(sector_kbli.get(r[3], ()))
        if r[12]:
            kbli_codes.add(r[12])
        lat, lon = (r[10], r[11]) if r[10] is not None else (r[13], r[14])
        specs.append(
            DemandSpec(
                demand_id=r[0],
                component_type_id=r[1],
                category_id=r[2],
                quantity=float(r[4]),
                unit=r[5],
                needed_by=r[6],
                type_unit=r[7],
                unit_weight_kg=float(r[8]) if r[8] is not None else None,
                type_processes=frozenset(type_processes.get(r[1], ())),
                extra_processes=frozenset(extra.get(r[0], ())),
                material_id=r[9],
                mandatory_certifications=frozenset(mandatory.get(r[0], ())),
                preferred_certifications=frozenset(preferred.get(r[0], ())),
                latitude=lat,
                longitude=lon,
                kbli_codes=frozenset(kbli_codes),
                related_category_ids=related.get(r[2], frozenset()),
            )
        )
    return specs


def related_categories(category_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Each category's siblings (the other categories under the same parent): where its
    demands look for near misses (issue 11). A category without a parent has none."""
    parents = dict(
        ComponentCategory.objects.filter(
            pk__in=list(category_ids), parent__isnull=False
        ).values_list("pk", "parent_id")
    )
    children: dict[int, set[int]] = defaultdict(set)
    for pk, parent_id in ComponentCategory.objects.filter(
        parent_id__in=set(parents.values())
    ).values_list("pk", "parent_id"):
        children[parent_id].add(pk)
    return {pk: frozenset(children[parent] - {pk}) for pk, parent in parents.items()}
