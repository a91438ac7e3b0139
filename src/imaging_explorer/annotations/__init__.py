"""Reviewers' calls on wells and on compounds: an append-only store (SQLite by default,
PostgreSQL for teams), consensus and agreement between reviewers. See docs/annotations.md.

>>> store = AnnotationStore("annotations.db")          # doctest: +SKIP
>>> store.annotate(plate, "B/3", call="hit", reviewer="ana", confidence=4, tags=["cytotoxic"])
>>> store.annotate_compound(plate, "CPD-001", call="candidate", reviewer="ana")
"""

from __future__ import annotations

from .agreement import cohen_kappa, fleiss_kappa
from .schema import CALLS, SCHEMA_VERSION, TAGS
from .store import AnnotationStore, AnnotationStoreError, network_filesystem

__all__ = [
    "CALLS",
    "SCHEMA_VERSION",
    "TAGS",
    "AnnotationStore",
    "AnnotationStoreError",
    "cohen_kappa",
    "fleiss_kappa",
    "network_filesystem",
]
