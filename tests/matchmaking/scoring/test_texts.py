"""Reasons in Bahasa Indonesia and English, and pre-formatted breakdowns."""

import pytest

from matchmaking.scoring.config import FACTORS
from matchmaking.scoring.ranking import score_demand
from matchmaking.scoring.reasons import Reason, ReasonCode
from matchmaking.scoring.texts import (
    FACTOR_LABELS,
    Labels,
    breakdown_rows,
    format_number,
    format_quantity,
    render,
    render_all,
)

from .catalogue import (
    AS_OF,
    GREY_IRON,
    HEAT_TREATMENT,
    ISO_9001,
    ISO_22163,
    SNI,
    brake_block_demand,
    candidates,
    foundry,
)

LABELS = Labels(
    certifications={
        ISO_9001: ("ISO 9001", "ISO 9001"),
        SNI: ("SNI", "SNI"),
        ISO_22163: ("ISO/TS 22163", "ISO/TS 22163"),
    },
    processes={HEAT_TREATMENT: ("perlakuan panas", "heat treatment")},
    materials={GREY_IRON: ("besi cor kelabu (FC)", "grey cast iron (FC)")},
)


@pytest.mark.parametrize(
    ("value", "decimals", "id_text", "en_text"),
    [
        (20000, 0, "20.000", "20,000"),
        (1234567.891, 2, "1.234.567,89", "1,234,567.89"),
        (11.5, 1, "11,5", "11.5"),
        (0.85, 2, "0,85", "0.85"),
    ],
)
def test_format_number(value, decimals, id_text, en_text):
    assert format_number(value, "id", decimals) == id_text
    assert format_number(value, "en", decimals) == en_text


@pytest.mark.parametrize(("value", "text"), [(20000, "20.000"), (11.5, "11,5"), (0.25, "0,25")])
def test_format_quantity_drops_trailing_zeros(value, text):
    assert format_quantity(value, "id") == text


@pytest.mark.parametrize(
    ("reason", "id_text", "en_text"),
    [
        (
            Reason(
                ReasonCode.CAPACITY,
                {
                    "free": 20000,
                    "unit": "pcs",
                    "converted": 20000,
                    "demand_unit": "pcs",
                    "quantity": 18182,
                    "coverage_pct": 110.0,
                    "conversion": "same_unit",
                },
            ),
            "Kapasitas bebas 20.000 pcs/bulan = 110% kebutuhan",
            "Free capacity 20,000 pcs/month = 110% of demand",
        ),
        (
            Reason(
                ReasonCode.CAPACITY,
                {
                    "free": 115,
                    "unit": "ton",
                    "converted": 10000,
                    "demand_unit": "pcs",
                    "quantity": 15000,
                    "coverage_pct": 66.7,
                    "conversion": "unit_weight",
                    "unit_weight_kg": 11.5,
                },
            ),
            "Kapasitas bebas 115 ton/bulan ≈ 10.000 pcs = 67% kebutuhan (kurang 33%), "
            "dikonversi lewat berat satuan 11,5 kg",
            "Free capacity 115 ton/month ≈ 10,000 pcs = 67% of demand (33% short), "
            "converted through the unit weight of 11.5 kg",
        ),
        (
            Reason(
                ReasonCode.CAPACITY_INCOMPARABLE, {"free": 3, "unit": "m3", "demand_unit": "pcs"}
            ),
            "Kapasitas bebas 3 m³/bulan tidak dapat dibandingkan dengan kebutuhan dalam pcs "
            "(berat satuan tidak ada; nilai netral)",
            "Free capacity 3 m³/month cannot be compared with a demand in pcs "
            "(no unit weight; neutral value)",
        ),
        (Reason(ReasonCode.DISTANCE, {"km": 118.4}), "Jarak 118 km", "Distance 118 km"),
        (
            Reason(ReasonCode.CERTIFICATIONS, {"valid_ids": (ISO_9001,), "lacking_ids": (SNI,)}),
            "ISO 9001 ✓, SNI ✗",
            "ISO 9001 ✓, SNI ✗",
        ),
        (Reason(ReasonCode.EXACT_TYPE), "Tipe komponen sama persis", "Exact component type"),
        (
            Reason(ReasonCode.MISSING_CERTIFICATION, {"certification_ids": (ISO_22163,)}),
            "Tidak memiliki sertifikasi ISO/TS 22163",
            "Does not hold the certification ISO/TS 22163",
        ),
        (
            Reason(ReasonCode.MISSING_PROCESS, {"process_ids": (HEAT_TREATMENT,)}),
            "Tidak memiliki proses perlakuan panas",
            "Lacks the process heat treatment",
        ),
        (
            Reason(ReasonCode.MATERIAL_MISMATCH, {"material_id": GREY_IRON}),
            "Tidak mengerjakan material besi cor kelabu (FC)",
            "Does not work with grey cast iron (FC)",
        ),
        (
            Reason(ReasonCode.LEAD_TIME_LATE, {"lead_time_days": 90, "days_late": 15}),
            "Waktu tunggu 90 hari: terlambat 15 hari dari tanggal dibutuhkan",
            "Lead time 90 days: 15 days late for the needed-by date",
        ),
        (
            Reason(ReasonCode.MISSING_PROCESS, {"process_ids": (999,)}),
            "Tidak memiliki proses #999",
            "Lacks the process #999",
        ),
    ],
)
def test_render_in_both_languages(reason, id_text, en_text):
    assert render(reason, "id", LABELS) == id_text
    assert render(reason, "en", LABELS) == en_text


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_reason_code_renders_in_both_languages(code):
    reason = Reason(code, {})
    assert isinstance(render(reason, "id", LABELS), str)
    assert isinstance(render(reason, "en", LABELS), str)


def test_reasons_survive_a_json_round_trip():
    reason = Reason(ReasonCode.MISSING_CERTIFICATION, {"certification_ids": (20, 22)})
    stored = reason.as_dict()
    assert stored == {"code": "missing_certification", "params": {"certification_ids": [20, 22]}}
    assert Reason.from_dict(stored) == reason


def test_match_reasons_state_the_unit_conversion():
    row = foundry(free_capacity=230, capacity_unit="ton")
    match = score_demand(brake_block_demand(), candidates(row), as_of=AS_OF).matches[0]
    texts = render_all(match.reasons, "id", LABELS)
    assert (
        "Kapasitas bebas 230 ton/bulan ≈ 20.000 pcs = 133% kebutuhan, dikonversi lewat "
        "berat satuan 11,5 kg"
    ) in texts
    assert "Tipe komponen sama persis" in texts
    assert "ISO 9001 ✓, SNI ✗" in texts


def test_breakdown_rows_are_preformatted_strings():
    match = score_demand(brake_block_demand(), candidates(foundry()), as_of=AS_OF).matches[0]
    rows = breakdown_rows(match.breakdown, "id")
    assert [r["factor"] for r in rows] == list(FACTORS)
    assert rows[0] == {
        "factor": "component_fit",
        "label": "Kesesuaian komponen",
        "value": "1,00",
        "weight": "20%",
        "contribution": "0,2000",
        "contribution_exact": "0,200000",
    }
    assert breakdown_rows(match.breakdown, "en")[4]["label"] == "Preferred certifications"
    assert all(isinstance(v, str) for r in rows for v in r.values())


def test_every_factor_has_labels():
    assert set(FACTOR_LABELS) == set(FACTORS)
