"""Admin: announcing the top ten (十佳评选) from the ranking, and withdrawing an announcement."""
# Stub: filled in by the top-ten part.
