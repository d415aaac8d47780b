"""The scoring core of the matching engine: plain arrays in, scores and reasons out.

Pure Python + numpy/scipy; imports no Django, Celery or DRF, so it runs and is tested
without a database. The Django side (``matchmaking.engine``) loads rows into these
structures, calls the ranking and stores what it returns. Import from the modules named
below (this package re-exports nothing).

Inputs (:mod:`.inputs`, :mod:`.config`)
    :class:`Vocabularies` — bit positions for processes, materials, KBLI codes and
    certification columns; build one over the whole catalogue (``Vocabularies.build``).
    :class:`DemandSpec` — one demand with its component type's facts (category, required
    processes, unit and unit weight) and the sector's KBLI codes.
    :class:`Candidates` — capability rows in columns (one row per supplier capability,
    usually the demand's component category): ids, process/material/KBLI bitmasks of shape
    ``(n, words)`` ``uint64``, certification validity as day ordinals (``NOT_HELD``,
    ``NEVER_EXPIRES``), free capacity with unit code and minimum order, lead time,
    coordinates (NaN if unknown), track record, current load, ``verified_active``.
    Build it column by column or with ``Candidates.from_rows([CapabilityRow(...), ...])``.
    Weights: a mapping factor → non-negative weight (normalised to sum 1; see
    :data:`FACTORS`, :data:`DEFAULT_WEIGHTS`); :class:`Params` holds the constants.

Scoring (:mod:`.evaluation`, :mod:`.ranking`)
    ``score_demand(demand, candidates, as_of=date, weights=..., params=..., k=50)`` keeps
    rows of the demand's category, applies the hard constraints, scores every row, keeps
    each supplier's best row and returns a :class:`DemandResult`: ``matches`` (top-K
    :class:`RankedCandidate`, highest score first, then lower supplier id) and ``near_misses`` (verified suppliers
    failing exactly one constraint item, with that ``failure``). ``evaluate`` gives the
    raw arrays, ``reasons.row_failures(evaluation, row)`` the failed constraints of any row.

Exact sums
    Each contribution is ``round(value * weight, 6)``, held as integer millionths
    (``FactorContribution.contribution_micro``); the score is *defined* as their sum
    (``RankedCandidate.score_micro``). Store both with ``micro_to_decimal`` in 6-decimal
    columns and the stored contributions add up exactly to the stored score.

Explanations (:mod:`.facts` → :mod:`.reasons` → :mod:`.texts`)
    ``RankedCandidate.reasons`` / ``NearMiss.failure`` are structured :class:`Reason`
    objects (code + JSON-friendly params; ``as_dict``/``from_dict``), built from the
    compact facts of the row. ``texts.render(reason, lang, labels)`` renders them in
    ``"id"`` or ``"en"`` with names from :class:`Labels`;
    ``texts.breakdown_rows(match.breakdown, lang)`` gives pre-formatted rows. The Django
    side (active language, catalogue names) is ``matchmaking.engine.explanations``.

Lean path (what the Django side uses)
    ``rank_demand(...)`` takes the same arguments as ``score_demand`` and returns a
    :class:`Ranking`: the evaluation arrays and the chosen rows as indices, no per-row
    objects. ``facts.demand_context`` / ``facts.row_facts`` extract what the reasons are
    made of, for all kept rows at once; ``reasons.reasons_from_facts`` /
    ``reasons.failures_from_facts`` build the reasons later, for display.
    ``rank_demand(..., keep_suppliers=ids)`` scores only rows failing at most one hard
    constraint, plus every row of those suppliers. ``incremental.rank_supplier(demands,
    candidates, ...)`` ranks one supplier's rows against many demands in one numpy pass
    (the incremental rescore after an edit).

Allocation
    ``allocation.consortium_for_demand`` (small MILP, HiGHS) and ``allocation.allocate``
    (many demands × many suppliers: OR-Tools min-cost flow by default, ``method="lp"`` for
    the HiGHS LP; ``allocation.lp_optimum`` gives the LP bound).
"""
