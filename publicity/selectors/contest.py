"""Reads of the short-video contests."""
# Stub: filled in by the contest part.


def contests(index):
    raise NotImplementedError


def contest_source(contest):
    raise NotImplementedError
