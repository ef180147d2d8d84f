"""What a review rule can refuse, each with the status and field the user sees."""

from __future__ import annotations

from core.exceptions import DomainError


class ReviewError(DomainError):
    """A review rule refused the change; nothing was written."""

    status_code = 400


class InvalidReview(ReviewError):
    """Stars out of range, text too short or too long, too many photos."""


class NotReviewable(ReviewError):
    """The line cannot be reviewed now (not delivered yet, window over, cancelled)."""

    status_code = 409


class AlreadyReviewed(ReviewError):
    status_code = 409


class EditWindowClosed(ReviewError):
    status_code = 409


class AlreadyAnswered(ReviewError):
    status_code = 409


class AlreadyMarkedHelpful(ReviewError):
    status_code = 409


class AlreadyHidden(ReviewError):
    status_code = 409


class NotHidden(ReviewError):
    status_code = 409
