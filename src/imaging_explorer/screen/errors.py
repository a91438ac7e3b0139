"""The screen's error: a source that names no plate, or an index that cannot be read."""

from __future__ import annotations

__all__ = ["ScreenError"]


class ScreenError(ValueError):
    """A screen source with a problem; the message names the file or folder and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
