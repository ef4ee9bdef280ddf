"""exoctl: day-2 operations for exo-cba stacks."""
