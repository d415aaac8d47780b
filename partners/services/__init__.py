"""Writing partners: one module per entity (suppliers, manufacturers, demands, accounts,
verification, registration). Each service takes keyword arguments, validates, does its work
in one transaction and announces the change on ``partners.events``; invalid input raises
``ValidationError`` keyed by field and leaves the database untouched."""
