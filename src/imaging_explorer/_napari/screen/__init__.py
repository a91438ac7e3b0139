"""The screen view in napari: a grid of plates, each a heatmap of one readout with its Z′ and its
failure marked, in one value image and one overlay; a click opens a plate in the plate browser.

``mosaic`` (with ``layout``, ``values``, ``decorations``) is Qt- and napari-free; ``view`` puts
the mosaic in a viewer and loads the screen in a worker; ``plate_link`` hands an opened screen
plate's readouts and plate map to the browser.
"""
