"""Certificates in the Wagtail admin: templates, certificates with history, revocation.

OWNED BY THE ADMIN HELPER: replace this stub.
"""
