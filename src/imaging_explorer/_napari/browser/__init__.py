"""The plate browser's napari side, without widgets.

- :mod:`.state`: what is shown (evented data); :mod:`.controller`: the one object that changes it
  (latest-wins loading, signals only).
- Reading: :mod:`.overview_loader` (thumbnails into the overview), :mod:`.well_loading` (a well's
  fields -> layer specs, off the GUI thread), :mod:`.prefetch` (the next well ahead),
  :mod:`.platemap_loading`; all through :mod:`.workers`.
- Layers: :mod:`.overview_layers`, :mod:`.overview` (adopts and fills them), :mod:`.layer_data`
  (specs -> napari layer data), :mod:`.well_layers`, :mod:`.layer_style`, :mod:`.channel_sync`.
- Pointer: :mod:`.hover`, :mod:`.pointer` (hover text, clicks); texts: :mod:`.platemap_text`.
"""
