"""Plate maps: which compound, at which concentration, in which well, and which wells are controls.

``read_platemap(source, plate=None)`` reads a CSV, TSV or Parquet file (or a pandas DataFrame,
or the plate map stored in a plate's zarr attributes) and returns a DataFrame indexed by the
plate's well key (``"B/3"``, as in ``plate.wells``) with the columns

==============  ==================================================================
row, column     the well's row and column names (as the plate writes them)
compound_id     text; "" where the well holds no compound
concentration   float, in µM; NaN where none is given
role            sample | neg_control | pos_control | empty
...             any other column of the source, kept as it is (SMILES, batch, ...)
==============  ==================================================================

Accepted input (column names are matched case-insensitively):

* the well as ``well`` (``A01``, ``A1``, ``A/1``, ``A-01`` or ``A_01``; also ``well_id``,
  ``well_name``), or as ``row`` + ``column`` (``col``); a numeric row counts from 1 (1 = A).
  When both are given they must agree. Columns are matched numerically (``03`` = ``3``).
* ``compound_id`` (or ``compound``).
* the concentration as ``concentration`` (or ``conc``) with a unit column (``unit``,
  ``units``, ``concentration_unit``) holding pM, nM, uM, µM, mM or M; or with the unit as a
  suffix: ``concentration_uM``, ``concentration_nM``, ``conc_mM``, ... A ``concentration``
  without any unit is taken as µM, with a :class:`PlateMapWarning`.
* ``role`` (or ``well_role``). Besides the four roles, these obvious spellings are accepted
  (case, spaces and hyphens do not matter): negative_control, negative, neg, neg_ctrl ->
  neg_control; positive_control, positive, pos, pos_ctrl -> pos_control; compound, test ->
  sample. Nothing else is guessed: a role named after a compound ("DMSO") is an error. A
  blank role (or no role column) means ``sample`` when the well has a compound, else ``empty``.

Every problem is collected and reported at once in a :class:`PlateMapError` naming the file and
the line (CSV/TSV: the line in the file, header = line 1; Parquet and DataFrames: the row,
first = row 1): wells outside the plate, wells listed twice, non-numeric or negative
concentrations, unknown units and roles. Wells inside the plate's grid that the plate does not
list (sparse acquisitions) are kept: a plate map describes the physical plate.

Plate maps inside a plate (read with ``read_platemap(plate)`` or :func:`find_platemap`):

* the plate group's attributes may hold ``"platemap"`` (beside ``"ome"`` / ``"plate"``, not
  inside them): a list of records ``[{"well": "B03", "compound_id": ..., ...}, ...]`` or a
  table as a dict of columns ``{"well": [...], "compound_id": [...], ...}``;
* else each well group's attributes may hold ``"platemap"``: one record for that well
  (``{"compound_id": ..., "concentration_uM": ..., "role": ...}``; the well comes from its path).

The package is split by job: :mod:`.reading` (files, DataFrames and plates in, and
:func:`find_platemap`), :mod:`.validation` (columns matched, every row checked, problems
collected), :mod:`.cells` (well names and cell values), :mod:`.grid` (map wells to the plate's
keys), :mod:`.attributes` (plate maps kept in zarr attributes), :mod:`.errors` and
:mod:`.replicate_wells`.
"""

from __future__ import annotations

from .attributes import ATTRIBUTE_KEY  # noqa: F401 - importable from here, as before
from .cells import split_well_label
from ..errors import PlateMapError, PlateMapWarning
from .reading import find_platemap, read_platemap
from .replicate_wells import replicates
from .validation import ROLES

__all__ = [
    "ROLES",
    "PlateMapError",
    "PlateMapWarning",
    "find_platemap",
    "split_well_label",
    "read_platemap",
    "replicates",
]
