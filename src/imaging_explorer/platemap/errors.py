"""The plate map's error and warning: one error that lists every problem, line by line.

Shared by every step (reading, checking, zarr attributes), so that a user fixes a plate map
in one go instead of one message at a time.
"""

from __future__ import annotations

__all__ = ["PlateMapError", "PlateMapWarning"]

_MAX_LISTED = 50


class PlateMapError(ValueError):
    """A plate map cannot be used; ``problems`` lists every problem found ("line 4: ...")."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        shown = self.problems[:_MAX_LISTED]
        more = len(self.problems) - len(shown)
        text = "\n".join(f"  {p}" for p in shown) + (f"\n  … and {more} more" if more > 0 else "")
        n = len(self.problems)
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''} in the plate map:\n{text}")


class PlateMapWarning(UserWarning):
    """A plate map was read with an assumption (e.g. a concentration without unit taken as µM)."""
