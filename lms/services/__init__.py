"""Service functions: every write goes through one of these."""
