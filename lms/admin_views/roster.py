"""Roster spreadsheets in the admin: template download, import (dry run first), exports."""

urlpatterns = []
