"""Admin screens of the publicity app; wagtail_hooks.py imports each module's hooks."""
