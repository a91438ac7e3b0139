"""Small building blocks of the strict validators: a problem collector and field checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from .common import (
    SUPPORTED_VERSIONS,
    is_finite,
    is_int,
    is_number,
    show,
    supported_text,
)


@dataclass
class Ctx:
    """One validation run: the NGFF version whose rules apply and the problems found."""

    version: str
    expected: str | None
    wrapped: bool
    strict: bool
    problems: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Record one problem as ``"<field path>: <sentence>"``."""
        self.problems.append(f"{where}: {message}")


def kind_name(value: object) -> str:
    """The JSON type name of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {show(value)}"
    if isinstance(value, str):
        return f"the string {show(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def field_version(obj: dict, where: str, ctx: Ctx) -> None:
    """Check the ``version`` a 0.4 document keeps inside plate / well / multiscale / image-label.

    Under ``"ome"`` the version sits in ``ome.version`` (checked once); an inner one, as
    ome-zarr-py writes inside ``plate``, must then agree with it.
    """
    value = obj.get("version")
    where = f"{where}.version"
    if value is None:
        if ctx.strict and not ctx.wrapped and "version" not in obj:
            ctx.add(where, "missing (recommended: the NGFF version, e.g. '0.4')")
        elif "version" in obj:
            ctx.add(where, "is null; expected a version string")
        return
    if value not in SUPPORTED_VERSIONS:
        ctx.add(where, f"{kind_name(value)} is not a supported NGFF version ({supported_text()})")
    elif value != ctx.version:
        ctx.add(where, f"{show(value)} disagrees with the NGFF version {show(ctx.version)} being checked")


def recommended(obj: dict, keys: tuple[str, ...], where: str, ctx: Ctx) -> None:
    """In strict mode, report each of ``keys`` missing from ``obj``."""
    if ctx.strict:
        for key in keys:
            if key not in obj:
                ctx.add(f"{where}.{key}", "missing (recommended)")


def get_list(obj: dict, key: str, where: str, ctx: Ctx, *, required: bool = True,
             min_items: int = 1) -> list | None:
    """Return ``obj[key]`` if it is a list (reporting when it is too short), else None."""
    where = f"{where}.{key}" if where else key
    if key not in obj:
        if required:
            ctx.add(where, "missing (required)")
        return None
    value = obj[key]
    if not isinstance(value, list):
        ctx.add(where, f"expected a list, got {kind_name(value)}")
        return None
    if len(value) < min_items:
        ctx.add(where, f"is empty; at least {min_items} entry is required")
    return value


def get_object(items: list, i: int, where: str, ctx: Ctx) -> dict | None:
    """Return ``items[i]`` if it is a JSON object, else report it and return None."""
    item = items[i]
    if not isinstance(item, dict):
        ctx.add(f"{where}[{i}]", f"expected an object, got {kind_name(item)}")
        return None
    return item


def check_int(obj: dict, key: str, where: str, ctx: Ctx, *, required: bool = False,
              minimum: int | None = None) -> int | None:
    """Check an integer field with an optional inclusive ``minimum``; return it or None."""
    where = f"{where}.{key}"
    if key not in obj:
        if required:
            ctx.add(where, "missing (required)")
        return None
    value = obj[key]
    if not is_int(value):
        ctx.add(where, f"expected an integer, got {kind_name(value)}")
        return None
    if minimum is not None and value < minimum:
        ctx.add(where, f"{value} is below the minimum {minimum}")
        return None
    return value


def check_str(obj: dict, key: str, where: str, ctx: Ctx, *, required: bool = False) -> str | None:
    """Check a string field; return it or None."""
    if key not in obj:
        if required:
            ctx.add(f"{where}.{key}", "missing (required)")
        return None
    value = obj[key]
    if not isinstance(value, str):
        ctx.add(f"{where}.{key}", f"expected a string, got {kind_name(value)}")
        return None
    return value


def check_numbers(value: object, where: str, ctx: Ctx, length: int | None) -> bool:
    """Check a list of numbers (of ``length`` when given); True when it is one."""
    if not isinstance(value, list) or not all(is_number(v) for v in value) or not value:
        want = f"{length} numbers" if length else "numbers"
        ctx.add(where, f"expected a list of {want}, got {kind_name(value)}")
        return False
    if length is not None and len(value) != length:
        ctx.add(where, f"has {len(value)} values but the image has {length} axes")
        return False
    bad = [i for i, v in enumerate(value) if not is_finite(v)]
    if bad:
        ctx.add(where, f"values at {bad} are not finite numbers (NaN or infinite)")
        return False
    return True
