"""Studies: one module per study, each a list of independent tasks (dicts) and a reducer."""
