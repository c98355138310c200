from django.urls import include, path

from . import views
from .api import api
from .views import certificates, drills, exams, hours, reports, results, verify

learn_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("courses/<int:course_pk>/", views.course_detail, name="course"),
    path("courses/<int:course_pk>/enroll/", views.course_enroll, name="enroll"),
    path("lessons/<int:lesson_pk>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:lesson_pk>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<int:lesson_pk>/check/", views.lesson_check, name="lesson_check"),
    path("teams/<int:team_pk>/progress/", views.team_progress, name="team_progress"),
    path("teams/<int:team_pk>/assign/", views.team_assign, name="team_assign"),
    path("areas/<int:area_pk>/progress/", views.area_progress, name="area_progress"),
    path("areas/<int:area_pk>/assign/", views.area_assign, name="area_assign"),
    path("jobs/<int:job_pk>/", views.job_detail, name="job"),
    path("jobs/<int:job_pk>/status.json", views.job_status, name="job_status"),
    *exams.urlpatterns,
    *results.urlpatterns,
    *drills.urlpatterns,
    *hours.urlpatterns,
    *certificates.urlpatterns,
    *reports.urlpatterns,
]

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
    *drills.public_urlpatterns,
    # Anyone may check a certificate.
    *verify.public_urlpatterns,
    # The learner's pages and the leaders' and administrators' progress pages.
    path("learn/", include((learn_patterns, "learn"))),
]
