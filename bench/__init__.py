"""Benchmarks of the matching engine (``python -m bench`` / ``make bench``), outside the
shipped apps: nothing under ``matchmaking/``, ``partners/`` or ``components/`` imports it.

- :mod:`.run` parses the options and runs B1, B2 and B4 (``__main__`` sets Django up first);
- :mod:`.registry` writes a seeded synthetic registry of IKM, manufacturers and demands
  over the real catalogue, drawn from the kinds of IKM in :mod:`.archetypes`;
- :mod:`.naive` is the plain-Python baseline (reference scorer, one ORM write per row);
- :mod:`.reference` is that pure-Python reference scorer, which the tests also use to prove
  the vectorised engine right;
- :mod:`.scenarios` runs B1 (full rescore), B2 (incremental rescore after a supplier edit)
  and B4 (allocation);
- :mod:`.database` gives the benchmark a database of its own;
- :mod:`.allocation_solver` times the allocation solvers alone
  (``python -m bench.allocation_solver``).
"""
