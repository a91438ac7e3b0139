"""The one error of hit calling: a table that cannot be normalised or called, named with its source."""

from __future__ import annotations

__all__ = ["HitsError"]


class HitsError(ValueError):
    """Readouts or a plate map that hit calling cannot use.

    The message names the source (the readouts file or table) and the problem, e.g.
    ``"screen.analysis/wells.parquet: no pos_control wells with infected_fraction values"``.

    Parameters
    ----------
    source
        The file or table the problem is in.
    problem
        What is wrong, in words a user can act on.
    """

    def __init__(self, source: str, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")

    def __reduce__(self) -> tuple[type[HitsError], tuple[str, str]]:
        # rebuilt from both parts (pickled across processes like the other errors)
        return (type(self), (self.source, self.problem))
