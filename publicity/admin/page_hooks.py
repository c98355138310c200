"""Admin: team pages and stories (edit limits by area) and keeping the language trees in step."""
# Stub: filled in by the team pages part.
