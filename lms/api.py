"""The JSON API at /api/v1/ (django-ninja); OpenAPI at /api/v1/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(title="应急先锋学院 API", version="1", urls_namespace="api-v1")
