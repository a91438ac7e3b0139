"""Nuclei and cells on hand-drawn discs: counts, areas, splits, debris, uneven light, empty fields."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.draw import disk
from skimage.filters import threshold_otsu
from skimage.measure import label

from imaging_explorer.analysis.segmentation import (
    SegmentationParams,
    background,
    segment_cells,
    segment_nuclei,
)

BACKGROUND, BRIGHT = 100.0, 1100.0


def discs(centres: list[tuple[int, int]], radius: float | list[float], shape: tuple[int, int] = (128, 128),
          value: float = BRIGHT - BACKGROUND, noise: float = 2.0, seed: int = 0) -> np.ndarray:
    """Bright discs on a flat background with a little Gaussian noise, as uint16 (touching discs
    merge at the same brightness, as cells meeting do; they do not add up)."""
    image = np.full(shape, BACKGROUND)
    radii = radius if isinstance(radius, list) else [radius] * len(centres)
    for (y, x), r in zip(centres, radii):
        image[disk((y, x), r, shape=shape)] = BACKGROUND + value
    image += np.random.default_rng(seed).normal(0, noise, shape)
    return np.clip(image, 0, 65535).astype(np.uint16)


SPREAD = [(20, 20), (20, 90), (64, 55), (100, 20), (100, 100)]


def test_separate_nuclei_are_counted_with_their_areas() -> None:
    labels = segment_nuclei(discs(SPREAD, 8))
    assert labels.dtype == np.uint32
    assert labels.max() == 5 and set(np.unique(labels)) == set(range(6))  # ids 1..n, no gaps
    areas = np.bincount(labels.ravel())[1:]
    true_area = disk((0, 0), 8, shape=None)[0].size  # 197 px
    assert np.all(np.abs(areas - true_area) <= 0.1 * true_area)


def test_each_nucleus_is_labelled_where_it_was_drawn() -> None:
    labels = segment_nuclei(discs(SPREAD, 8))
    ids = {int(labels[y, x]) for y, x in SPREAD}
    assert len(ids) == 5 and 0 not in ids


def test_two_touching_nuclei_are_split() -> None:
    image = discs([(64, 50), (64, 64)], 8)  # 14 px apart: the discs overlap
    assert label(image > threshold_otsu(image)).max() == 1  # one blob for a plain threshold
    labels = segment_nuclei(image)
    assert labels.max() == 2
    assert labels[64, 46] != labels[64, 68]
    # the split comes from the seeds: with seeds further apart than the pair, it stays one
    assert segment_nuclei(image, SegmentationParams(split_distance=20)).max() == 1


def test_debris_smaller_than_the_smallest_nucleus_is_removed() -> None:
    image = discs([(30, 30), (90, 90), (30, 100)], [8, 8, 2])  # the last one: 13 px, under a 8 px disc
    labels = segment_nuclei(image)
    assert labels.max() == 2 and labels[30, 100] == 0
    small = SegmentationParams(nucleus_diameter=(3, 30))
    assert segment_nuclei(image, small).max() == 3


def test_a_nucleus_with_a_dim_centre_is_filled() -> None:
    image = discs([(64, 64)], 10).astype(np.float64)
    image[disk((64, 64), 3)] = BACKGROUND
    labels = segment_nuclei(image)
    assert labels.max() == 1 and labels[64, 64] == 1


def test_uneven_illumination_does_not_hide_dim_nuclei() -> None:
    ramp = np.linspace(0, 3000, 128)[None, :]  # a background ten times brighter on the right
    image = discs(SPREAD, 8).astype(np.float64) + ramp
    # a single global threshold cannot see all five here; the background estimate can
    assert label(image > threshold_otsu(image)).max() != 5
    labels = segment_nuclei(image)
    assert labels.max() == 5 and all(labels[y, x] for y, x in SPREAD)


def test_a_few_hot_pixels_neither_hide_nuclei_nor_count_as_nuclei() -> None:
    image = discs(SPREAD, 8)
    hot = [(5, 60), (60, 5), (120, 60), (45, 120), (80, 70)]
    image[tuple(np.transpose(hot))] = 65535  # a plain Otsu threshold would sit far above the nuclei
    labels = segment_nuclei(image)
    assert labels.max() == 5 and all(labels[y, x] for y, x in SPREAD)
    assert not any(labels[y, x] for y, x in hot)


def test_an_empty_field_stays_empty() -> None:
    noise = np.random.default_rng(1).poisson(106, (256, 256)).astype(np.uint16)
    assert segment_nuclei(noise).max() == 0
    assert segment_nuclei(np.zeros((64, 64), np.uint16)).max() == 0
    assert segment_nuclei(np.full((64, 64), 7.5)).max() == 0


def test_background_follows_a_smooth_ramp_and_ignores_objects() -> None:
    ramp = np.add.outer(np.linspace(0, 100, 200), np.linspace(0, 50, 300)).astype(np.float32)
    with_objects = ramp.copy()
    with_objects[50:60, 50:60] += 1000  # an object much smaller than a block
    estimate = background(with_objects, 40)
    assert estimate.shape == ramp.shape
    assert np.abs(estimate - ramp).max() < 15  # within a block's rise of the ramp
    assert estimate[55, 55] < 100


def test_cells_without_a_cell_channel_are_rings_with_the_nucleus_id() -> None:
    nuclei = segment_nuclei(discs(SPREAD, 8))
    cells = segment_cells(nuclei, None, SegmentationParams(cell_expansion=5))
    assert cells.dtype == np.uint32
    inner = nuclei > 0
    assert np.array_equal(cells[inner], nuclei[inner])  # a cell contains its nucleus, same id
    grown = np.bincount(cells.ravel())[1:] - np.bincount(nuclei.ravel())[1:]
    ring = disk((0, 0), 13)[0].size - disk((0, 0), 8)[0].size
    assert np.all(np.abs(grown - ring) <= 0.15 * ring)


def test_cells_grow_into_the_cell_channel_and_meet_between_neighbours() -> None:
    centres = [(64, 40), (64, 80)]
    nuclei_image = discs(centres, 6)
    cell_image = discs(centres, 22, value=300.0, seed=2).astype(np.float64)  # bodies meet between the nuclei
    cell_image[56:73, 60] -= 100  # with a dimmer seam where they meet
    nuclei = segment_nuclei(nuclei_image)
    cells = segment_cells(nuclei, cell_image)
    assert set(np.unique(cells)) == {0, 1, 2}
    left, right = int(nuclei[64, 40]), int(nuclei[64, 80])
    assert cells[64, 22] == left and cells[64, 98] == right  # the far edges of the bodies
    assert np.all(cells[60:69, 45:60] == left) and np.all(cells[60:69, 61:76] == right)  # the seam parts them
    assert cells[10, 10] == 0 and cells[64, 5] == 0  # background stays background
    body = disk((0, 0), 22)[0].size
    assert np.all(np.abs(np.bincount(cells.ravel())[1:] - body) < 0.35 * body)  # each loses its share of the overlap


def test_a_cell_channel_with_no_nuclei_gives_no_cells() -> None:
    assert segment_cells(np.zeros((32, 32), np.uint32), discs([(16, 16)], 8, shape=(32, 32))).max() == 0


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        segment_nuclei(np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match="differ in shape"):
        segment_cells(np.zeros((32, 32), np.uint32), np.zeros((32, 31)))


@pytest.mark.parametrize("kwargs", [{"nucleus_diameter": (10, 5)}, {"nucleus_diameter": (0, 5)},
                                    {"smoothing_sigma": -1}, {"threshold_factor": 0}, {"cell_expansion": -2}])
def test_bad_parameters_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="must"):
        SegmentationParams(**kwargs)


def test_cells_are_the_plain_watershed_however_the_nuclei_share_the_mask() -> None:
    from skimage.segmentation import watershed

    from imaging_explorer.analysis.segmentation import _flood

    rng = np.random.default_rng(5)
    landscape = rng.random((96, 96))
    mask = np.zeros((96, 96), bool)
    mask[5:40, 5:40] = True  # one nucleus
    mask[50:90, 10:80] = True  # three nuclei
    mask[5:30, 60:90] = True  # none: stays background
    nuclei = np.zeros((96, 96), np.uint32)
    nuclei[20:24, 20:24] = 1
    nuclei[60:64, 20:24], nuclei[70:74, 45:49], nuclei[80:84, 70:74] = 2, 3, 4
    flooded = _flood(nuclei, landscape, mask)
    assert np.array_equal(flooded, watershed(landscape, nuclei, mask=mask))
    assert set(np.unique(flooded)) == {0, 1, 2, 3, 4} and not flooded[5:30, 60:90].any()
