"""The napari face of imaging-explorer: npe2 reader, sample data (widgets come later).

Nothing here is imported by ``imaging_explorer`` itself; napari loads these modules through
the commands of ``napari.yaml``.
"""
