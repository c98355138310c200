"""The contest page's routes: overview, submission, an entry, its video, votes, results."""
# Stub: filled in by the contest part.


def contest_overview(request, page):
    raise NotImplementedError


def contest_submit(request, page):
    raise NotImplementedError


def contest_entry(request, page, pk):
    raise NotImplementedError


def contest_vote(request, page, pk):
    raise NotImplementedError


def contest_video(request, page, pk):
    raise NotImplementedError


def contest_results(request, page):
    raise NotImplementedError
