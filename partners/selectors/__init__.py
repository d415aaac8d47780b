"""Reading partners: one module per entity (suppliers, manufacturers, demands, verification,
registration), querysets with the joins and prefetches their pages need."""
