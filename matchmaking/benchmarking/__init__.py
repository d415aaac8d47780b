"""Benchmarks of the matching engine (``manage.py bench`` / ``make bench``).

- :mod:`.registry` writes a seeded synthetic registry of IKM, manufacturers and demands
  over the real catalogue;
- :mod:`.naive` is the plain-Python baseline (reference scorer, one ORM write per row);
- :mod:`.scenarios` runs B1 (full rescore), B2 (incremental rescore after a supplier edit)
  and B4 (allocation);
- :mod:`.database` gives the benchmark a database of its own.
"""
