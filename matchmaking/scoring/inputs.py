"""What the engine reads: a demand, and candidate capability rows in columns.

The Django side builds one :class:`Vocabularies` over the whole catalogue, then either
fills :class:`Candidates` column by column from ``values_list`` rows or goes through
:meth:`Candidates.from_rows` with :class:`CapabilityRow` objects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np
import numpy.typing as npt

from .units import unit_code
from .vocab import Mask, Vocabulary

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NOT_HELD = 0
"""``cert_valid_until`` value for a certification the supplier does not hold."""
NEVER_EXPIRES = 2**62
"""``cert_valid_until`` value for a certificate without an expiry date."""


def valid_until_ordinal(valid_until: date | None) -> int:
    """The day ordinal stored for a held certificate (``None`` = never expires)."""
    return NEVER_EXPIRES if valid_until is None else valid_until.toordinal()


def kbli_division(code: str) -> str:
    """The 2-digit KBLI division of a code, e.g. ``"24"`` for ``"24310"``."""
    return code[:2]


@dataclass(frozen=True)
class Vocabularies:
    """Bit positions (and certification columns) shared by candidates and demands."""

    processes: Vocabulary
    materials: Vocabulary
    certifications: Vocabulary
    kbli: Vocabulary
    kbli_divisions: Vocabulary

    @classmethod
    def build(
        cls,
        *,
        processes: Sequence[int],
        materials: Sequence[int],
        certifications: Sequence[int],
        kbli_codes: Sequence[str],
    ) -> Vocabularies:
        return cls(
            processes=Vocabulary.of(processes),
            materials=Vocabulary.of(materials),
            certifications=Vocabulary.of(certifications),
            kbli=Vocabulary.of(kbli_codes),
            kbli_divisions=Vocabulary.of(kbli_division(code) for code in kbli_codes),
        )


@dataclass(frozen=True)
class DemandSpec:
    """One component demand, with the facts of its component type folded in."""

    demand_id: int
    component_type_id: int
    category_id: int
    quantity: float
    unit: str
    needed_by: date
    type_unit: str = "pcs"
    """The component type's unit; ``unit_weight_kg`` is the weight of one of these."""
    unit_weight_kg: float | None = None
    type_processes: frozenset[int] = frozenset()
    """The catalogue's processes of the component type: what an exact-type capability that
    declares no process is assumed to do, and what the demand asks when it lists none."""
    extra_processes: frozenset[int] = frozenset()
    """The processes the demand lists itself (its own list). When it lists any, they are
    exactly the processes asked for, whatever the type's catalogue list says."""
    material_id: int | None = None
    mandatory_certifications: frozenset[int] = frozenset()
    preferred_certifications: frozenset[int] = frozenset()
    latitude: float | None = None
    longitude: float | None = None
    kbli_codes: frozenset[str] = frozenset()
    """KBLI codes of the demand's sector and component type."""
    related_category_ids: frozenset[int] = frozenset()
    """Related (sibling) categories: their capabilities may be near misses, never matches
    (issue 11). Empty: only the demand's own category is searched."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.quantity) and self.quantity > 0):
            raise ValueError("quantity must be positive")
        unit_code(self.unit)
        unit_code(self.type_unit)

    @property
    def required_processes(self) -> frozenset[int]:
        """The processes the demand asks for: its own list, or the type's when it lists
        none (issue 11: not the union, so a part bought raw is not held to the type's
        machining step)."""
        return self.extra_processes or self.type_processes


@dataclass(frozen=True)
class CapabilityRow:
    """One supplier capability with the supplier facts the score needs (row form)."""

    supplier_id: int
    capability_id: int
    component_type_id: int
    category_id: int
    free_capacity: float
    capacity_unit: str
    lead_time_days: int
    latitude: float | None = None
    longitude: float | None = None
    processes: frozenset[int] = frozenset()
    materials: frozenset[int] = frozenset()
    certifications: Mapping[int, date | None] = field(default_factory=dict)
    """Certification id → valid until (``None`` = never expires); the latest per id."""
    kbli_codes: frozenset[str] = frozenset()
    minimum_order: float = 0.0
    completed: int = 0
    on_time: int = 0
    load: int = 0
    verified_active: bool = True


@dataclass(frozen=True, eq=False)
class Candidates:
    """Capability rows in columns; every array has ``n`` rows.

    Masks are ``uint64`` arrays of shape ``(n, vocabulary.words)``; ``cert_valid_until`` has
    one column per certification of ``vocab.certifications`` holding day ordinals,
    :data:`NOT_HELD` or :data:`NEVER_EXPIRES`. ``capacity_unit`` holds
    :data:`~matchmaking.scoring.units.UNIT_CODES`; ``free_capacity`` and ``minimum_order``
    are in that unit; ``latitude``/``longitude`` are NaN when unknown.
    """

    vocab: Vocabularies
    supplier_id: IntArray
    capability_id: IntArray
    component_type_id: IntArray
    category_id: IntArray
    processes: Mask
    materials: Mask
    cert_valid_until: IntArray
    free_capacity: FloatArray
    capacity_unit: IntArray
    minimum_order: FloatArray
    lead_time_days: FloatArray
    latitude: FloatArray
    longitude: FloatArray
    kbli: Mask
    kbli_divisions: Mask
    completed: IntArray
    on_time: IntArray
    load: IntArray
    verified_active: BoolArray

    def __post_init__(self) -> None:
        n = len(self.supplier_id)
        widths = {
            "processes": self.vocab.processes.words,
            "materials": self.vocab.materials.words,
            "kbli": self.vocab.kbli.words,
            "kbli_divisions": self.vocab.kbli_divisions.words,
            "cert_valid_until": len(self.vocab.certifications),
        }
        for column in self._columns():
            array = getattr(self, column)
            if array.shape[0] != n:
                raise ValueError(f"column {column} has {array.shape[0]} rows, expected {n}")
            if column in widths and array.shape != (n, widths[column]):
                raise ValueError(f"column {column} must have shape {(n, widths[column])}")

    @classmethod
    def _columns(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "vocab"]

    def __len__(self) -> int:
        return len(self.supplier_id)

    def take(self, rows: IntArray | BoolArray) -> Candidates:
        """The candidates at ``rows`` (integer indices or a boolean mask)."""
        if rows.dtype == np.bool_:
            if rows.shape != (len(self),):
                raise IndexError(f"boolean mask of shape {rows.shape} for {len(self)} rows")
            rows = np.flatnonzero(rows)
        # ndarray.take copies 2-D columns several times faster than fancy indexing
        columns = {column: getattr(self, column).take(rows, axis=0) for column in self._columns()}
        return Candidates(vocab=self.vocab, **columns)

    @classmethod
    def concat(cls, vocab: Vocabularies, parts: Sequence[Candidates]) -> Candidates:
        """The rows of ``parts`` (over ``vocab``) one after the other."""
        columns = {
            column: np.concatenate([getattr(part, column) for part in parts], axis=0)
            for column in cls._columns()
        }
        return cls(vocab=vocab, **columns)

    @classmethod
    def from_rows(cls, vocab: Vocabularies, rows: Sequence[CapabilityRow]) -> Candidates:
        certifications = np.full((len(rows), len(vocab.certifications)), NOT_HELD, np.int64)
        for index, row in enumerate(rows):
            for certification_id, valid_until in row.certifications.items():
                column = vocab.certifications.position(certification_id)
                certifications[index, column] = valid_until_ordinal(valid_until)

        def nan_if_none(value: float | None) -> float:
            return math.nan if value is None else float(value)

        return cls(
            vocab=vocab,
            supplier_id=np.array([r.supplier_id for r in rows], dtype=np.int64),
            capability_id=np.array([r.capability_id for r in rows], dtype=np.int64),
            component_type_id=np.array([r.component_type_id for r in rows], dtype=np.int64),
            category_id=np.array([r.category_id for r in rows], dtype=np.int64),
            processes=vocab.processes.encode_rows([r.processes for r in rows]),
            materials=vocab.materials.encode_rows([r.materials for r in rows]),
            cert_valid_until=certifications,
            free_capacity=np.array([r.free_capacity for r in rows], dtype=np.float64),
            capacity_unit=np.array([unit_code(r.capacity_unit) for r in rows], dtype=np.int64),
            minimum_order=np.array([r.minimum_order for r in rows], dtype=np.float64),
            lead_time_days=np.array([r.lead_time_days for r in rows], dtype=np.float64),
            latitude=np.array([nan_if_none(r.latitude) for r in rows], dtype=np.float64),
            longitude=np.array([nan_if_none(r.longitude) for r in rows], dtype=np.float64),
            kbli=vocab.kbli.encode_rows([r.kbli_codes for r in rows]),
            kbli_divisions=vocab.kbli_divisions.encode_rows(
                [{kbli_division(code) for code in r.kbli_codes} for r in rows]
            ),
            completed=np.array([r.completed for r in rows], dtype=np.int64),
            on_time=np.array([r.on_time for r in rows], dtype=np.int64),
            load=np.array([r.load for r in rows], dtype=np.int64),
            verified_active=np.array([r.verified_active for r in rows], dtype=np.bool_),
        )
