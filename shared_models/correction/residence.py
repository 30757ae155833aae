"""Change of residence (变更居住地): applied for a month ahead."""

from datetime import date

from shared_models.correction.due import add_months


def residence_notice_problem(applied_on: date, move_on: date) -> str | None:
    """Why a move on ``move_on`` applied for on ``applied_on`` is too soon
    (the application comes a month ahead), or ``None``."""
    earliest = add_months(applied_on, 1)
    if move_on < earliest:
        return f"apply a month ahead: the move can be on {earliest.isoformat()} at the earliest"
    return None
