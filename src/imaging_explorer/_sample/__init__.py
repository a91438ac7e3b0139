"""Internals of :mod:`imaging_explorer.sample` (plate design, pixel synthesis, lean writer)."""
