"""Pure, typed statistics for the staff surveys: no Django, no I/O (see docs/architecture.md).

``definitions``     migration status per person under each definition (docs/domain.md §3)
``weighting``       post-stratification and raking to personnel totals, with diagnostics
``estimates``       shares by group with declaration rate and confidence intervals
``representation``  gap, index, expected count, shortfall and flags against a benchmark
``trends``          change between survey years with a test of the difference
``barriers``        selection rates, impact ratios, tests and pooling of selection procedures
``disclosure``      disclosure control (separate package)
"""
