from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path(
        "records/documents/<int:pk>/download/",
        views.team_document_download,
        name="team_document_download",
    ),
    path(
        "records/policies/<int:pk>/download/",
        views.policy_document_download,
        name="policy_document_download",
    ),
]
