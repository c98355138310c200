"""Admin: reviewing contest entries, judging them on the published criteria, the results."""
# Stub: filled in by the contest part.
