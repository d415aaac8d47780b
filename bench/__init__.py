"""Benchmarks of the matching engine (``python -m bench`` / ``make bench``), outside the
shipped apps: nothing under ``matchmaking/``, ``partners/`` or ``components/`` imports it.

- :mod:`.run` parses the options and runs B1, B2 and B4 (``__main__`` sets Django up first),
  with debug off, the scoring date pinned and wall, CPU and load measured
  (:mod:`.measure`);
- :mod:`.registry` writes a seeded synthetic registry of IKM, manufacturers and demands
  over the real catalogue, drawn from the kinds of IKM in :mod:`.archetypes`;
- :mod:`.reviews` adds reviewed matches and partnerships after the first full rescore and
  states the registry's category concentration;
- :mod:`.naive` is the plain-Python baseline (reference scorer, one ORM write per row),
  whose top lists B1 checks the engine's against;
- :mod:`.reference` is that pure-Python reference scorer, which the tests also use to prove
  the vectorised engine right;
- :mod:`.scenarios` runs B1 (first full rescore, nightly rerun), B2 (incremental rescore
  after supplier edits of :mod:`.edits`, then a full rescore to compare) and B4
  (allocation); :mod:`.worker` is B2's Celery worker (pinned date, task reports);
- :mod:`.database` gives the benchmark a database of its own;
- :mod:`.allocation_solver` times the allocation solvers alone
  (``python -m bench.allocation_solver``).
"""
