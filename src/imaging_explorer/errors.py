"""The one error type users catch."""

from __future__ import annotations


class PlateError(ValueError):
    """A plate (or part of one) cannot be read safely or sensibly.

    The message always names the location and the reason.
    """

    def __init__(self, location: object, reason: str) -> None:
        self.location = str(location)
        self.reason = reason
        super().__init__(f"{self.location}: {reason}")
