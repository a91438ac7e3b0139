"""Writing wells of the sample plate: synthesise, downsample, encode, write chunk files.

No zarr-python here (its per-chunk overhead is ~1.5 ms; this path spends ~0.1 ms): chunks
are encoded with numcodecs' Blosc, the codec zarr itself uses for both zarr v2 and v3, and
written under zarr's key scheme (v3 ``c/0/1/2``, v2 ``0/1/2``, both with "/" separators).
Chunks are padded to full size at the edges and all-zero label chunks are left out, as
zarr-python does by default; the tests compare the bytes with zarr-python's own.

:func:`main` is the entry point of the worker processes of
:func:`imaging_explorer.sample.make_sample_plate` (measured here, threads made this work
slower, not faster: much of it holds the GIL; processes scale).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Final

import numcodecs
import numpy as np

from .layout import WellPlan
from .synth import Stamps, downsample_mean, downsample_pick, level_shapes, render_field

CHUNK = 256
CNAME: Final = "lz4"  # Final keeps the literal type zarr's BloscCodec asks for
CLEVEL, SHUFFLE = 5, numcodecs.Blosc.SHUFFLE

Documents = list[tuple[str, bytes]]


def chunk_side(side: int) -> int:
    """Chunk edge for a level with this side: 256, or the whole side when smaller."""
    return min(CHUNK, side)


class ChunkWriter:
    """Encodes arrays chunk by chunk with zarr's codec and key scheme, and writes the files."""

    def __init__(self, version: str) -> None:
        self.prefix = "c/" if version == "0.5" else ""
        self._codecs: dict[int, numcodecs.Blosc] = {}
        self._dirs: set[str] = set()

    def codec(self, itemsize: int) -> numcodecs.Blosc:
        if itemsize not in self._codecs:
            self._codecs[itemsize] = numcodecs.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=SHUFFLE,
                                                     blocksize=0, typesize=itemsize)
        return self._codecs[itemsize]

    def encode(self, a: np.ndarray, chunks: tuple[int, ...], skip_empty: bool) -> Iterator[tuple[str, bytes]]:
        """Yield (key, bytes) per chunk of ``a``; all-zero chunks are left out when ``skip_empty``."""
        codec = self.codec(a.dtype.itemsize)
        grid = [range(0, n, c) for n, c in zip(a.shape, chunks, strict=True)]
        for index in np.ndindex(*(len(g) for g in grid)):
            sl = tuple(slice(g[i], g[i] + c) for g, i, c in zip(grid, index, chunks, strict=True))
            block = a[sl]
            if skip_empty and not block.any():
                continue
            if block.shape != chunks:  # edge chunk: zarr stores full chunks padded with fill
                full = np.zeros(chunks, a.dtype)
                full[tuple(slice(0, n) for n in block.shape)] = block
                block = full
            yield self.prefix + "/".join(map(str, index)), codec.encode(np.ascontiguousarray(block))

    def write(self, folder: str, key: str, data: bytes) -> None:
        path = f"{folder}/{key}"
        parent = os.path.dirname(path)
        if parent not in self._dirs:
            os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        with open(path, "wb") as f:
            f.write(data)

    def write_array(self, folder: str, a: np.ndarray, chunks: tuple[int, ...], skip_empty: bool = False) -> None:
        for key, data in self.encode(a, chunks, skip_empty):
            self.write(folder, key, data)

    def write_documents(self, folder: Path | str, documents: Documents) -> None:
        for key, data in documents:
            self.write(str(folder), key, data)


def write_well(root: Path, plan: WellPlan, fields: int, size: int, seed: int, stamps: Stamps,
               writer: ChunkWriter, docs: dict[str, Documents]) -> list[tuple[int, int]]:
    """Synthesise and write every field of one well; return (nuclei, infected) per field."""
    well_dir = root / plan.row / plan.column
    writer.write_documents(well_dir, docs["well"])
    sides = level_shapes(size)
    counts = []
    for f in range(fields):
        field = render_field(stamps, plan, f, size, seed)
        folder = well_dir / str(f)
        writer.write_documents(folder, docs["field"])
        image, labels = field.image, field.labels
        for k, side in enumerate(sides):
            if k:
                image, labels = downsample_mean(image), downsample_pick(labels)
            c = chunk_side(side)
            writer.write_array(f"{folder}/{k}", image, (1, c, c))
            writer.write_array(f"{folder}/labels/nuclei/{k}", labels, (c, c), skip_empty=True)
        counts.append((field.nuclei, field.infected))
    return counts


def write_wells(root: Path, plans: list[WellPlan], fields: int, size: int, seed: int, version: str,
                docs: dict[str, Documents]) -> dict[str, list[tuple[int, int]]]:
    """Write ``plans`` one after another in this process."""
    stamps = Stamps.make(seed, size)
    writer = ChunkWriter(version)
    return {p.path: write_well(root, p, fields, size, seed, stamps, writer, docs) for p in plans}


def dump_job(path: Path, root: Path, plans: list[WellPlan], fields: int, size: int, seed: int,
             version: str, docs: dict[str, Documents]) -> None:
    """Write a worker's job file (JSON: floats round-trip exactly, nothing is unpickled)."""
    job = {"root": str(root), "fields": fields, "size": size, "seed": seed, "version": version,
           "plans": [asdict(p) for p in plans],
           "docs": {k: [[key, base64.b64encode(data).decode()] for key, data in v] for k, v in docs.items()}}
    path.write_text(json.dumps(job), encoding="utf-8")


def main(argv: list[str]) -> int:
    """Worker entry point: write the wells of job file ``argv[0]``, counts to ``argv[0].result``."""
    job_path = Path(argv[0])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    numcodecs.blosc.use_threads = False  # one process per core already
    docs = {k: [(key, base64.b64decode(data)) for key, data in v] for k, v in job["docs"].items()}
    plans = [WellPlan(**p) for p in job["plans"]]
    counts = write_wells(Path(job["root"]), plans, job["fields"], job["size"], job["seed"], job["version"], docs)
    job_path.with_name(job_path.name + ".result").write_text(json.dumps(counts), encoding="utf-8")
    return 0
