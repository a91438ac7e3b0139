"""Which channel shows the nuclei, the cell bodies and the pathogen: given by the user or guessed.

Every lab names its channels its own way ("DAPI", "Hoechst 33342", "405", "w1", "GFP-virus"),
so a role is given by the channel's name as the file writes it (``Channel.label``), its unique
display name (``Channel.name``, e.g. ``"GFP (2)"`` for a repeated ``"GFP"``) or its index, and
guessed from common stain and reporter names when not given. Names match case-insensitively;
a name given that several channels share in the file is refused, not guessed. Pure: any
objects with ``name`` and ``label`` will do. No Qt, no napari.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["ChannelRoles", "guess_role", "resolve_roles"]

ROLES = ("nuclei", "cell", "pathogen")

# Word tokens of channel names, lower case. Strong names say what the channel shows; a
# fluorescent protein alone (weak) is most often a pathogen reporter, but "H2B-GFP" is nuclei.
_STRONG = {
    "nuclei": {"dapi", "hoechst", "draq5", "nucblue", "nucred", "nucspot", "nuclight", "nuclei", "nucleus",
               "nuclear", "nuc", "h2b", "histone", "dna"},
    "cell": {"cellmask", "cell", "cells", "cellbody", "cytoplasm", "cytoplasmic", "cyto", "cytosol",
             "phalloidin", "actin", "wga", "membrane", "tubulin", "celltracker", "calcein", "cfse", "body"},
    "pathogen": {"pathogen", "virus", "viral", "infection", "infected", "parasite", "parasites", "bacteria",
                 "bacterium", "bacterial", "dsrna", "sars", "influenza", "hiv", "zika", "dengue"},
}
_WEAK_PATHOGEN = {"gfp", "egfp", "turbogfp", "mneongreen", "yfp", "venus", "mcherry", "rfp", "tdtomato",
                  "dsred", "mscarlet", "mkate"}


class ChannelLike(Protocol):
    """A channel: a unique display ``name`` and the ``label`` the file writes (may repeat)."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class ChannelRoles:
    """Channel indices per role; ``guessed`` names the roles found from channel names."""

    nuclei: int
    cell: int | None = None
    pathogen: int | None = None
    guessed: tuple[str, ...] = ()


def _tokens(name: str) -> set[str]:
    """Words of a channel name: "Hoechst 33342" -> hoechst, 33342; "DRAQ5" -> draq5, draq, 5."""
    lower = name.lower()
    return set(re.findall(r"[a-z0-9]+", lower)) | set(re.findall(r"[a-z]+|[0-9]+", lower))


def _evidence(name: str) -> tuple[str | None, int]:
    """The role a name suggests and how strongly: 2 a stain or organism, 1 a fluorescent protein."""
    words = _tokens(name)
    strong = [role for role in ROLES if words & _STRONG[role]]
    if strong:
        return strong[0], 2
    return ("pathogen", 1) if words & _WEAK_PATHOGEN else (None, 0)


def guess_role(name: str) -> str | None:
    """The role a channel name suggests ("nuclei", "cell", "pathogen"), or None.

    A stain or organism name beats a fluorescent protein name ("H2B-GFP" is nuclei,
    "GFP-virus" pathogen); between stains, nuclei first, then cell.
    """
    return _evidence(name)[0]


def _listing(channels: Sequence[ChannelLike]) -> str:
    return ", ".join(f"{i}: {ch.name}" for i, ch in enumerate(channels))


def _file_name(channel: ChannelLike) -> str:
    return channel.label or channel.name


def _by_index(value: int, channels: Sequence[ChannelLike], role: str) -> int:
    if not 0 <= value < len(channels):
        raise ValueError(f"{role} channel {value} is out of range; the channels are {_listing(channels)}")
    return value


def _find(value: int | str, channels: Sequence[ChannelLike], role: str) -> int:
    """The index of the channel ``value`` names: file name, display name, then index."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{role} channel must be a name or an index, got {value!r}")
    if isinstance(value, int):
        return _by_index(value, channels, role)
    key = value.strip().casefold()
    in_file = [i for i, ch in enumerate(channels) if _file_name(ch).casefold() == key]
    if len(in_file) > 1:
        unique = ", ".join(f"{i}: {channels[i].name!r}" for i in in_file)
        raise ValueError(f"{role} channel {value!r} is ambiguous: the file gives that name to channels "
                         f"{unique}; choose one by index or by its display name")
    shown = [i for i, ch in enumerate(channels) if ch.name.casefold() == key]
    for found in (in_file, shown):
        if found:
            return found[0]
    if key.isdigit():  # names first: a channel may be called "488"
        return _by_index(int(key), channels, role)
    raise ValueError(f"no {role} channel {value!r}; the channels are {_listing(channels)}")


def _guess(role: str, channels: Sequence[ChannelLike], taken: set[int]) -> int | None:
    """The free channel whose name suggests ``role`` most strongly (the first of equals)."""
    best, strength = None, 0
    for i, ch in enumerate(channels):
        suggested, weight = _evidence(_file_name(ch))
        if i not in taken and suggested == role and weight > strength:
            best, strength = i, weight
    return best


def _check_distinct(found: dict[str, int | None], channels: Sequence[ChannelLike]) -> None:
    """One channel cannot serve two roles."""
    seen: dict[int, str] = {}
    for role, index in found.items():
        if index is None:
            continue
        if index in seen:
            raise ValueError(f"channel {index} ({channels[index].name}) is given for both {seen[index]} and "
                             f"{role}; each role needs its own channel")
        seen[index] = role


def resolve_roles(channels: Sequence[ChannelLike], nuclei: int | str | None = None,
                  cell: int | str | None = None, pathogen: int | str | None = None) -> ChannelRoles:
    """Find the nuclei, cell and pathogen channels of a field.

    Parameters
    ----------
    channels
        The field's channels in order (``field.channels``: ``name`` and ``label``).
    nuclei, cell, pathogen
        A channel's name as the file writes it, its display name, or its index (an int or a
        digit string); None = guess from the channel names (the first channel whose name
        suggests the role and no other role has). Names are matched case-insensitively.

    Returns
    -------
    ChannelRoles
        ``nuclei`` always; ``cell`` and ``pathogen`` None when neither given nor guessed.

    Raises
    ------
    ValueError
        No nuclei channel given or guessed (the message lists the channels), a name no
        channel has, a file name several channels share, an index out of range, or one
        channel for two roles.
    TypeError
        A role given as something other than a name or an index.
    """
    given = {"nuclei": nuclei, "cell": cell, "pathogen": pathogen}
    found: dict[str, int | None] = {r: None if v is None else _find(v, channels, r) for r, v in given.items()}
    _check_distinct(found, channels)
    guessed = []
    for role in ROLES:
        if found[role] is None:
            found[role] = _guess(role, channels, {i for i in found.values() if i is not None})
            guessed += [role] if found[role] is not None else []
    nuclei_index = found["nuclei"]
    if nuclei_index is None:
        raise ValueError("no nuclei channel: none is named like a nuclear stain (DAPI, Hoechst, DRAQ5, "
                         f"...); the channels are {_listing(channels)}. Choose one with nuclei=NAME or INDEX")
    return ChannelRoles(nuclei_index, found["cell"], found["pathogen"], tuple(guessed))
