"""Reads of the announced top ten."""
# Stub: filled in by the top-ten part.
