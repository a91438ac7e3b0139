"""How our layers are recognised: a tag under one key of ``layer.metadata``.

The overview's layers carry ``{"role": ..., "token": ...}`` (the token of the plate they were
made for), the well view's ``{"role": "well", ...}``, the calls layer ``{"role": "calls", ...}``.
Key bindings and the controller find our layers by this tag, never by layer name.
"""

from __future__ import annotations

from typing import Any

META_KEY = "imaging_explorer"


def tag_of(layer: Any) -> dict[str, Any] | None:
    """The layer's tag, or None for a layer that is not ours."""
    meta = getattr(layer, "metadata", None)
    tag = meta.get(META_KEY) if isinstance(meta, dict) else None
    return tag if isinstance(tag, dict) else None


def is_ours(layer: Any) -> bool:
    return tag_of(layer) is not None
