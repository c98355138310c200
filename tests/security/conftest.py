"""The world of the permission suite, built once per module and rolled back after it.

Building it (pages, a course, an exam, certificates, drills, the publicity sections) takes
a second or two; the suite requests a few hundred URLs against it, so it is made once, in
a transaction that is rolled back when the module is done. Each test still runs in its own
savepoint (pytest-django's `db`), so whatever a request writes is undone after the test.
"""

from django.db import transaction

import pytest

from .world import build_world, stored_files


@pytest.fixture(scope="module")
def perm_world_built(django_db_setup, django_db_blocker):
    files = []
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            files = stored_files(built)
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    for field_file in files:
        field_file.storage.delete(field_file.name)


@pytest.fixture
def perm_world(perm_world_built, db):
    """The world, inside the test's own savepoint."""
    return perm_world_built
