"""The plate browser's state without Qt or a viewer: what it says about where the user is."""

from __future__ import annotations

from imaging_explorer._napari.browser.state import BrowserState, Target


def test_asked_and_shown_well_follow_mode_and_pending() -> None:
    state = BrowserState()
    assert (state.asked_well, state.shown_well, state.loading) == (None, None, False)

    state.pending = Target("C/7", 1, False)  # loading from the overview
    assert (state.asked_well, state.shown_well, state.loading) == ("C/7", None, True)

    state.mode, state.well, state.field, state.pending = "well", "C/7", 1, None  # on screen
    assert (state.asked_well, state.shown_well, state.loading) == ("C/7", "C/7", False)

    state.pending = Target("C/8", 0, False)  # stepping on: calls never go to a well still loading
    assert (state.asked_well, state.shown_well) == ("C/8", None)

    state.pending, state.mode = None, "overview"  # back home: the well is remembered, not shown
    assert (state.well, state.asked_well, state.shown_well) == ("C/7", None, None)


def test_fields_are_evented_and_reset_forgets_the_plate() -> None:
    state = BrowserState()
    seen: list[tuple[str, object]] = []
    state.events.mode.connect(lambda value: seen.append(("mode", value)))
    state.events.pending.connect(lambda value: seen.append(("pending", value)))

    state.pending = Target("A/1", 0, True)
    state.mode = "well"
    state.failed_wells["B/2"] = "OSError: gone"
    state.platemap_error = "line 3: unknown role"
    assert seen == [("pending", Target("A/1", 0, True)), ("mode", "well")]

    state.reset()
    assert (state.mode, state.well, state.pending, state.platemap, state.platemap_error) == ("overview", None, None, None, "")
    assert state.failed_wells == {} and {("mode", "overview"), ("pending", None)} <= set(seen[2:])
