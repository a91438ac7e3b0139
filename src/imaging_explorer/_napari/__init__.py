"""The napari face of imaging-explorer: npe2 reader, sample data, the Plate browser.

Nothing here is imported by ``imaging_explorer`` itself; napari loads these modules through
the commands of ``napari.yaml``. ``controller.PlateController`` (one per viewer) holds the
plate on screen; the reader hands it the plate, the dock widget and hotkeys call it.
"""
