"""How an answer and an attempt are scored: the one rule that grading and regrading share.

A question scores its full points only when the chosen options are exactly the key (a
multiple-choice answer with one option missing or one too many scores nothing, as in
the national first-aid and safety exams); an attempt passes when its percentage reaches
the exam's pass mark.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")


def answer_score(
    *, key: Iterable[int], response: Iterable[int] | None, points: Decimal
) -> tuple[bool, Decimal]:
    """(is_correct, score) of one answer; an unanswered question is wrong and scores 0."""
    if not response:
        return False, ZERO
    correct = sorted(set(response)) == sorted(set(key))
    return correct, (Decimal(points) if correct else ZERO)


def attempt_totals(
    scores: Iterable[tuple[Decimal, Decimal]], *, pass_mark: int
) -> tuple[Decimal, Decimal, Decimal, bool]:
    """(score, max_score, percent, passed) from (score, points) pairs of an attempt."""
    score = max_score = ZERO
    for got, points in scores:
        score += got
        max_score += Decimal(points)
    percent = (
        (score * 100 / max_score).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if max_score
        else ZERO
    )
    return score, max_score, percent, max_score > 0 and percent >= pass_mark
