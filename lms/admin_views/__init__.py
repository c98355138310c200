"""Views shown inside the Wagtail admin (registered in lms/wagtail_hooks.py)."""
