"""Yearly summaries (PDF and .xlsx). OWNED BY THE REPORTS HELPER: replace this stub."""


def yearly_report_run(*, job) -> None:
    raise NotImplementedError
