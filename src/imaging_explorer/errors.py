"""Every error and warning a user of imaging-explorer may catch, in one place.

Each error's message names the file, location or field and the reason.
"""

from __future__ import annotations

__all__ = [
    "AnnotationStoreError",
    "MetadataError",
    "PlateError",
    "PlateMapError",
    "PlateMapWarning",
    "PlateWarning",
]

_MAX_LISTED = 50  # plate-map problems listed in one message


class PlateError(ValueError):
    """A plate (or part of one) cannot be read safely or sensibly.

    The message always names the location and the reason.
    """

    def __init__(self, location: object, reason: str) -> None:
        self.location = str(location)
        self.reason = reason
        super().__init__(f"{self.location}: {reason}")

    def __reduce__(self) -> tuple[type[PlateError], tuple[str, str]]:
        # rebuilt from both parts (dask's process schedulers pickle errors raised in workers)
        return (type(self), (self.location, self.reason))


class PlateWarning(UserWarning):
    """The plate opened, but its metadata deviates from the specification."""


class MetadataError(ValueError):
    """OME-NGFF metadata that cannot be used; the message names the offending field."""


class PlateMapError(ValueError):
    """A plate map cannot be used; ``problems`` lists every problem found ("line 4: ...").

    One error lists every problem, so that a user fixes a plate map in one go.
    """

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


class AnnotationStoreError(Exception):
    """The annotation store cannot do what was asked; the message says why and what to do."""
