"""Human-readable reasons (Bahasa Indonesia or English) and pre-formatted breakdowns.

Catalogue names come from :class:`Labels`, which maps ids to ``(name_id, name_en)``.
Indonesian numbers use ``.`` for thousands and ``,`` for decimals (``20.000``, ``11,5``);
English numbers use ``,`` and ``.``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .evaluation import MICRO, FactorContribution
from .reasons import ParamValue, Reason, ReasonCode

Lang = Literal["id", "en"]
LabelMap = Mapping[int, tuple[str, str]]

UNIT_LABELS = {"pcs": "pcs", "set": "set", "kg": "kg", "ton": "ton", "m3": "m³"}

FACTOR_LABELS: Mapping[str, tuple[str, str]] = {
    "component_fit": ("Kesesuaian komponen", "Component fit"),
    "capacity_fit": ("Kapasitas", "Capacity"),
    "process_coverage": ("Cakupan proses", "Process coverage"),
    "material_match": ("Kesesuaian material", "Material match"),
    "preferred_certifications": ("Sertifikasi pilihan", "Preferred certifications"),
    "distance": ("Jarak", "Distance"),
    "lead_time": ("Waktu tunggu", "Lead time"),
    "sector_alignment": ("Kesesuaian sektor (KBLI)", "Sector alignment (KBLI)"),
    "track_record": ("Rekam jejak", "Track record"),
    "spreading": ("Pemerataan", "Spreading"),
}

FIXED_TEXTS: Mapping[ReasonCode, tuple[str, str]] = {
    ReasonCode.NOT_VERIFIED: (
        "Belum terverifikasi atau tidak aktif",
        "Not verified or not active",
    ),
    ReasonCode.EXACT_TYPE: ("Tipe komponen sama persis", "Exact component type"),
    ReasonCode.NO_PROCESS_REQUIRED: (
        "Tidak ada proses yang disyaratkan",
        "No process required",
    ),
    ReasonCode.NO_MATERIAL_REQUIRED: (
        "Tidak ada material yang disyaratkan",
        "No material required",
    ),
    ReasonCode.NO_CERTIFICATION_REQUIRED: (
        "Tidak ada sertifikasi yang disyaratkan",
        "No certification required",
    ),
    ReasonCode.DISTANCE_UNKNOWN: (
        "Jarak tidak diketahui (lokasi belum diisi)",
        "Distance unknown (location missing)",
    ),
    ReasonCode.KBLI_SAME_CODE: ("Kode KBLI sama dengan sektor", "Same KBLI code as the sector"),
    ReasonCode.KBLI_SAME_DIVISION: (
        "Golongan pokok KBLI (2 digit) sama dengan sektor",
        "Same 2-digit KBLI division as the sector",
    ),
    ReasonCode.KBLI_NO_OVERLAP: (
        "Kode KBLI tidak sesuai sektor",
        "KBLI codes do not match the sector",
    ),
    ReasonCode.KBLI_UNKNOWN: (
        "Sektor tanpa kode KBLI untuk dibandingkan",
        "No sector KBLI codes to compare",
    ),
    ReasonCode.NO_TRACK_RECORD: (
        "Belum ada rekam jejak (nilai awal netral)",
        "No track record yet (neutral prior)",
    ),
}


@dataclass(frozen=True)
class Labels:
    """Names by id, each ``(name_id, name_en)``; unknown ids show as ``#id``."""

    certifications: LabelMap = field(default_factory=dict)
    processes: LabelMap = field(default_factory=dict)
    materials: LabelMap = field(default_factory=dict)
    component_types: LabelMap = field(default_factory=dict)


def _name(labels: LabelMap, item: ParamValue, lang: Lang) -> str:
    if not isinstance(item, int):
        return "?"
    names = labels.get(item)
    if names is None:
        return f"#{item}"
    name_id, name_en = names
    return name_en if lang == "en" and name_en else name_id


def _names(labels: LabelMap, items: ParamValue, lang: Lang) -> str:
    ids: Iterable[int] = items if isinstance(items, tuple) else ()
    return ", ".join(_name(labels, item, lang) for item in ids)


_SWAP_SEPARATORS = str.maketrans(",.", ".,")


def format_number(value: float, lang: Lang, decimals: int = 0) -> str:
    """``20000.5`` → ``20.000,5`` (id) / ``20,000.5`` (en) with ``decimals`` places."""
    text = f"{value:,.{decimals}f}"
    if lang == "id":
        text = text.translate(_SWAP_SEPARATORS)
    return text


def format_quantity(value: float, lang: Lang) -> str:
    """A quantity with at most 3 decimals and no trailing zeros (``11,5``, ``20.000``)."""
    text = format_number(value, lang, 3)
    separator = "," if lang == "id" else "."
    return text.rstrip("0").rstrip(separator)


def _number(value: ParamValue) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _capacity(params: Mapping[str, ParamValue], lang: Lang) -> str:
    en = lang == "en"
    unit = UNIT_LABELS.get(str(params.get("unit")), str(params.get("unit")))
    demand_unit = UNIT_LABELS.get(str(params.get("demand_unit")), str(params.get("demand_unit")))
    free = format_quantity(_number(params.get("free")), lang)
    text = f"Free capacity {free} {unit}/month" if en else f"Kapasitas bebas {free} {unit}/bulan"
    if params.get("conversion") != "same_unit":
        text += f" ≈ {format_quantity(round(_number(params.get('converted'))), lang)} {demand_unit}"
    pct = _number(params.get("coverage_pct"))
    text += f" = {format_number(pct, lang)}% " + ("of demand" if en else "kebutuhan")
    if pct < 100:
        short = format_number(100 - pct, lang)
        text += f" ({short}% short)" if en else f" (kurang {short}%)"
    if params.get("conversion") == "unit_weight":
        weight = format_quantity(_number(params.get("unit_weight_kg")), lang)
        text += (
            f", converted through the unit weight of {weight} kg"
            if en
            else f", dikonversi lewat berat satuan {weight} kg"
        )
    return text


def render(reason: Reason, lang: Lang, labels: Labels) -> str:
    """One reason as a sentence in ``lang``."""
    code, params, en = reason.code, reason.params, lang == "en"
    if code in FIXED_TEXTS:
        return FIXED_TEXTS[code][1 if en else 0]
    match code:
        case ReasonCode.MISSING_PROCESS:
            names = _names(labels.processes, params.get("process_ids"), lang)
            return f"Lacks the process {names}" if en else f"Tidak memiliki proses {names}"
        case ReasonCode.MATERIAL_MISMATCH:
            name = _name(labels.materials, params.get("material_id"), lang)
            return f"Does not work with {name}" if en else f"Tidak mengerjakan material {name}"
        case ReasonCode.MISSING_CERTIFICATION:
            names = _names(labels.certifications, params.get("certification_ids"), lang)
            return (
                f"Does not hold the certification {names}"
                if en
                else f"Tidak memiliki sertifikasi {names}"
            )
        case ReasonCode.EXPIRED_CERTIFICATION:
            names = _names(labels.certifications, params.get("certification_ids"), lang)
            return (
                f"Certification {names} expires before the needed-by date"
                if en
                else f"Sertifikasi {names} kedaluwarsa sebelum tanggal dibutuhkan"
            )
        case ReasonCode.NO_FREE_CAPACITY:
            return "No free capacity" if en else "Tidak ada kapasitas bebas"
        case ReasonCode.INFERRED_TYPE:
            name = _name(labels.component_types, params.get("component_type_id"), lang)
            return (
                f"Makes {name}, another type of the same category"
                if en
                else f"Membuat {name}, tipe lain dalam kategori yang sama"
            )
        case ReasonCode.RELATED_TYPE:
            if params.get("component_type_id") is None:
                return (
                    "Makes a type of a related category" if en else "Membuat tipe kategori terkait"
                )
            name = _name(labels.component_types, params.get("component_type_id"), lang)
            return (
                f"Makes {name}, a type of a related category, not this one yet"
                if en
                else f"Membuat {name}, tipe dari kategori terkait, belum tipe ini"
            )
        case ReasonCode.CAPACITY:
            return _capacity(params, lang)
        case ReasonCode.CAPACITY_INCOMPARABLE:
            free = format_quantity(_number(params.get("free")), lang)
            unit = UNIT_LABELS.get(str(params.get("unit")), "")
            demand_unit = UNIT_LABELS.get(str(params.get("demand_unit")), "")
            return (
                f"Free capacity {free} {unit}/month cannot be compared with a demand in "
                f"{demand_unit} (no unit weight; neutral value)"
                if en
                else f"Kapasitas bebas {free} {unit}/bulan tidak dapat dibandingkan dengan "
                f"kebutuhan dalam {demand_unit} (berat satuan tidak ada; nilai netral)"
            )
        case ReasonCode.PROCESSES:
            covered, required = params.get("covered"), params.get("required")
            text = (
                f"Processes covered: {covered} of {required}"
                if en
                else f"Proses tercakup {covered} dari {required}"
            )
            missing = _names(labels.processes, params.get("missing_ids"), lang)
            if missing:
                text += f" (missing: {missing})" if en else f" (belum ada: {missing})"
            if params.get("assumed"):
                text += (
                    ", assumed from the component type (the IKM declared no process)"
                    if en
                    else ", dianggap dari tipe komponen (IKM belum menyatakan proses)"
                )
            return text
        case ReasonCode.MATERIAL_DECLARED:
            name = _name(labels.materials, params.get("material_id"), lang)
            return f"Works with {name}" if en else f"Mengerjakan material {name}"
        case ReasonCode.MATERIAL_UNDECLARED:
            name = _name(labels.materials, params.get("material_id"), lang)
            return (
                f"Has not declared working with {name}"
                if en
                else f"Belum menyatakan mengerjakan material {name}"
            )
        case ReasonCode.CERTIFICATIONS:
            marks = [
                f"{_name(labels.certifications, c, lang)} ✓"
                for c in _tuple(params.get("valid_ids"))
            ] + [
                f"{_name(labels.certifications, c, lang)} ✗"
                for c in _tuple(params.get("lacking_ids"))
            ]
            return ", ".join(marks)
        case ReasonCode.DISTANCE:
            km = format_number(_number(params.get("km")), lang)
            return f"Distance {km} km" if en else f"Jarak {km} km"
        case ReasonCode.LEAD_TIME_FITS:
            lead, available = params.get("lead_time_days"), params.get("available_days")
            return (
                f"Lead time {lead} days fits the needed-by date ({available} days away)"
                if en
                else f"Waktu tunggu {lead} hari, sempat sebelum tanggal dibutuhkan "
                f"({available} hari lagi)"
            )
        case ReasonCode.LEAD_TIME_LATE:
            lead, late = params.get("lead_time_days"), params.get("days_late")
            return (
                f"Lead time {lead} days: {late} days late for the needed-by date"
                if en
                else f"Waktu tunggu {lead} hari: terlambat {late} hari dari tanggal dibutuhkan"
            )
        case ReasonCode.TRACK_RECORD:
            on_time, completed = params.get("on_time"), params.get("completed")
            return (
                f"Track record: {on_time} of {completed} deliveries on time"
                if en
                else f"Rekam jejak: {on_time} dari {completed} pengiriman tepat waktu"
            )
        case ReasonCode.CURRENT_LOAD:
            load = params.get("load")
            return (
                f"Currently in {load} live matches or partnerships"
                if en
                else f"Sedang dalam {load} kecocokan atau kemitraan aktif"
            )
    raise ValueError(f"no text for reason {code}")


def _tuple(value: ParamValue) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else ()


def render_all(reasons: Iterable[Reason], lang: Lang, labels: Labels) -> list[str]:
    return [render(reason, lang, labels) for reason in reasons]


def factor_label(factor: str, lang: Lang) -> str:
    """A factor's name in ``lang`` (``"capacity_fit"`` → ``Kapasitas`` / ``Capacity``)."""
    return FACTOR_LABELS[factor][1 if lang == "en" else 0]


def breakdown_rows(breakdown: Sequence[FactorContribution], lang: Lang) -> list[dict[str, str]]:
    """Template-ready rows: factor, label, value, weight (%), contribution (4 decimals) and
    contribution_exact (6 decimals; these add up exactly to the score)."""
    return [
        {
            "factor": item.factor,
            "label": factor_label(item.factor, lang),
            "value": format_number(item.value, lang, 2),
            "weight": format_quantity(round(item.weight * 100, 1), lang) + "%",
            "contribution": format_number(item.contribution_micro / MICRO, lang, 4),
            "contribution_exact": format_number(item.contribution_micro / MICRO, lang, 6),
        }
        for item in breakdown
    ]
