"""Leaders draft their team's public page and its stories, and submit them for approval."""
# Stub: filled in by the team pages part.

urlpatterns = []
