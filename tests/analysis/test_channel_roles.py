"""Channel roles: given by file name, display name or index, or guessed from common names."""

from __future__ import annotations

import pytest

from imaging_explorer.analysis.channel_roles import (
    ChannelRoles,
    guess_role,
    resolve_roles,
)
from imaging_explorer.plate import Channel


def channels(*labels: str) -> list[Channel]:
    """Channels as the plate model makes them: repeated labels get "NAME (2)" display names."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        name = label if seen[label] == 1 else f"{label} ({seen[label]})"
        out.append(Channel(name, "FFFFFF", label=label))
    return out


SAMPLE = channels("DAPI", "Cell", "Pathogen")


def test_the_sample_plate_names_are_guessed() -> None:
    assert resolve_roles(SAMPLE) == ChannelRoles(0, 1, 2, guessed=("nuclei", "cell", "pathogen"))


def test_given_by_name_index_and_digit_string() -> None:
    chans = channels("w1", "w2", "w3")
    assert resolve_roles(chans, nuclei="w2", cell=0, pathogen="2") == ChannelRoles(1, 0, 2)


def test_names_match_case_insensitively() -> None:
    assert resolve_roles(SAMPLE, nuclei="dapi", cell=" CELL ", pathogen="pathogen") == ChannelRoles(0, 1, 2)


def test_a_channel_named_like_a_number_is_found_by_name_first() -> None:
    chans = channels("405", "488", "0")
    assert resolve_roles(chans, nuclei="488").nuclei == 1
    assert resolve_roles(chans, nuclei="0").nuclei == 2  # the channel called "0", not index 0


def test_a_repeated_file_name_is_refused_and_display_names_work() -> None:
    chans = channels("DAPI", "GFP", "GFP")
    with pytest.raises(ValueError, match=r"'GFP' is ambiguous.*1: 'GFP', 2: 'GFP \(2\)'.*display name"):
        resolve_roles(chans, pathogen="GFP")
    assert resolve_roles(chans, pathogen="GFP (2)").pathogen == 2
    assert resolve_roles(chans, pathogen=1).pathogen == 1


def test_unknown_name_lists_the_channels() -> None:
    with pytest.raises(ValueError, match=r"no cell channel 'Actin'; the channels are 0: DAPI, 1: Cell, 2: Pathogen"):
        resolve_roles(SAMPLE, cell="Actin")


@pytest.mark.parametrize("value", [3, -1, "7"])
def test_index_out_of_range(value: int | str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        resolve_roles(SAMPLE, pathogen=value)


@pytest.mark.parametrize("value", [1.0, True, [0]])
def test_a_role_must_be_a_name_or_an_index(value: object) -> None:
    with pytest.raises(TypeError, match="name or an index"):
        resolve_roles(SAMPLE, cell=value)  # type: ignore[arg-type]


def test_one_channel_for_two_roles_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"channel 0 \(DAPI\) is given for both nuclei and cell"):
        resolve_roles(SAMPLE, nuclei="DAPI", cell=0)


def test_no_nuclei_channel_lists_channels_and_the_option() -> None:
    with pytest.raises(ValueError, match=r"no nuclei channel.*0: FITC, 1: Cy5.*nuclei=NAME or INDEX"):
        resolve_roles(channels("FITC", "Cy5"))


def test_optional_roles_stay_none_when_nothing_fits() -> None:
    roles = resolve_roles(channels("Hoechst 33342", "Cy5"))
    assert roles == ChannelRoles(0, None, None, guessed=("nuclei",))


@pytest.mark.parametrize(("name", "role"), [
    ("DAPI", "nuclei"), ("Hoechst 33342", "nuclei"), ("Hoechst33342", "nuclei"), ("DRAQ5", "nuclei"),
    ("NucBlue", "nuclei"), ("H2B-GFP", "nuclei"), ("nucleus", "nuclei"),
    ("CellMask Deep Red", "cell"), ("Phalloidin-488", "cell"), ("WGA", "cell"), ("alpha-tubulin", "cell"),
    ("GFP-virus", "pathogen"), ("mCherry", "pathogen"), ("anti-dsRNA", "pathogen"), ("Parasite", "pathogen"),
    ("Cy5", None), ("w1", None), ("488", None), ("Brightfield", None),
])
def test_guess_role_from_word_tokens(name: str, role: str | None) -> None:
    assert guess_role(name) == role


def test_a_stain_name_beats_a_fluorescent_protein_name() -> None:
    roles = resolve_roles(channels("DAPI", "GFP", "virus"))
    assert roles.pathogen == 2  # "virus" says what it is; plain "GFP" might be anything
    assert resolve_roles(channels("H2B-mCherry", "Actin-GFP")) == ChannelRoles(0, 1, None, ("nuclei", "cell"))


def test_guesses_skip_channels_already_given() -> None:
    roles = resolve_roles(channels("DAPI", "Hoechst", "GFP"), nuclei="Hoechst")
    assert roles == ChannelRoles(1, None, 2, guessed=("pathogen",))


def test_labels_are_matched_before_display_names() -> None:
    # display name "Cell (2)" is unique, but the file calls both channels "Cell": by file name it is refused
    chans = channels("DAPI", "Cell", "Cell")
    with pytest.raises(ValueError, match="ambiguous"):
        resolve_roles(chans, cell="cell")
    assert resolve_roles(chans, cell="cell (2)").cell == 2
