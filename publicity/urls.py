"""Leaders' pages for their team's public page and stories (under /learn/, by name)."""

from .views import leader

app_name = "publicity"
urlpatterns = leader.urlpatterns
