"""The analysis in napari: runs in workers, the plate heatmap (Qt-free; widgets are in ``_qt``)."""
