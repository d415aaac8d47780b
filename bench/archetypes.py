"""The kinds of IKM the synthetic registry draws from, and where and what they hold: the
processes each kind runs, its sentra regencies and typical tonnage, the plants' regencies,
the certifications each sector asks for and how often IKM hold them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Archetype:
    """A kind of IKM: the processes it runs, where its sentra are, its typical tonnage."""

    name: str
    share: float
    core: tuple[str, ...]
    """Processes every IKM of this kind runs."""
    optional: tuple[tuple[str, float], ...]
    """Further processes, each with the probability an IKM runs it."""
    kbli: str
    median_tonnes: float
    sentra: tuple[tuple[str, str], ...]
    """(regency code, sentra name) of its clusters."""
    states_tonnes: float = 0.0
    """Probability a capability is stated in tonnes rather than in pieces."""


ARCHETYPES = (
    Archetype(
        "foundry",
        0.34,
        ("pengecoran",),
        (
            ("permesinan-bubut", 0.4),
            ("permesinan-frais", 0.3),
            ("perlakuan-panas", 0.25),
            ("pengecatan", 0.3),
        ),
        "24310",
        15.0,
        (
            ("33.10", "Sentra Pengecoran Logam Ceper"),
            ("33.28", "Sentra Logam Tegal"),
            ("35.14", "Sentra Logam Pasuruan"),
        ),
        states_tonnes=0.35,
    ),
    Archetype(
        "machining",
        0.24,
        ("permesinan-bubut", "permesinan-frais"),
        (("permesinan-cnc", 0.4), ("perlakuan-panas", 0.3), ("pelapisan", 0.2)),
        "25920",
        5.0,
        (("33.28", "Sentra Logam Tegal"), ("35.15", "Sentra Logam Sidoarjo"), ("32.16", "")),
    ),
    Archetype(
        "stamping",
        0.15,
        ("pengepresan", "fabrikasi-pengelasan"),
        (("pelapisan", 0.4), ("pengecatan", 0.5), ("permesinan-bubut", 0.2)),
        "25910",
        8.0,
        (("33.28", "Sentra Logam Tegal"), ("32.16", ""), ("32.15", "")),
    ),
    Archetype(
        "die_casting",
        0.07,
        ("pengecoran-cetak-tekan",),
        (("permesinan-cnc", 0.6), ("pengecatan", 0.3)),
        "24320",
        3.0,
        (("35.15", "Sentra Logam Sidoarjo"), ("32.16", "")),
    ),
    Archetype(
        "forging",
        0.04,
        ("penempaan", "perlakuan-panas"),
        (("permesinan-bubut", 0.5), ("permesinan-frais", 0.3)),
        "25910",
        6.0,
        (("33.10", "Sentra Pengecoran Logam Ceper"), ("35.14", "Sentra Logam Pasuruan")),
    ),
    Archetype(
        "wood_furniture",
        0.09,
        ("pengolahan-kayu", "finishing-furnitur"),
        (("perakitan", 0.5),),
        "31001",
        2.0,
        (("33.20", "Sentra Mebel Jepara"),),
    ),
    Archetype(
        "rattan",
        0.05,
        ("anyaman-rotan", "finishing-furnitur"),
        (("perakitan", 0.3),),
        "31002",
        0.6,
        (("32.09", "Sentra Rotan Cirebon"),),
    ),
    Archetype(
        "composite",
        0.02,
        ("pencetakan-komposit", "pengepresan"),
        (("permesinan-bubut", 0.3),),
        "30200",
        4.0,
        (("35.77", ""), ("32.16", "")),
    ),
)
PLANT_REGENCIES = (
    "32.16",
    "32.15",
    "32.75",
    "32.14",
    "32.01",
    "35.77",
    "36.72",
    "35.15",
    "35.14",
    "33.20",
    "33.72",
    "33.10",
)
SECTOR_CERTIFICATIONS = {
    "otomotif": "iatf-16949",
    "perkeretaapian": "iso-ts-22163",
    "furnitur": "svlk",
    "alat-berat": "iso-9001",
    "elektronika": "iso-9001",
}
CERTIFICATE_SHARES = {
    "sni": 0.35,
    "iso-9001": 0.2,
    "tkdn": 0.3,
    "smk3": 0.1,
    "iso-14001": 0.05,
}
