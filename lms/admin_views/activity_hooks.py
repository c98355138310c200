"""Stub: Wagtail admin hooks, filled in by its owner (imported by lms.wagtail_hooks)."""
