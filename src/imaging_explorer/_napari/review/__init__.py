"""The review's napari side, without widgets: :mod:`.model` (calls, consensus, conflicts, queue,
live updates), :mod:`.jobs` (the store's job queue, off the GUI thread), :mod:`.calls_layer`,
:mod:`.hotkeys`, :mod:`.queue`, :mod:`.text`, :mod:`.config` (the reviewer's remembered choices)."""
