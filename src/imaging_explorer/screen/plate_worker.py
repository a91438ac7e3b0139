"""A worker process of :mod:`.plate_processes`: reads ``(rule, [(index, entry), ...])`` pickled on
stdin, and writes each plate, read with :func:`.screen_plate.load_screen_plate`, pickled and
length-prefixed on stdout as soon as it is ready."""

from __future__ import annotations

import pickle
import sys
import warnings

from .plate_processes import HEADER
from .screen_plate import load_screen_plate


def main() -> None:
    warnings.simplefilter("ignore")  # the caller shows each plate's problems; stderr is not read
    try:
        rule, share = pickle.load(sys.stdin.buffer)
    except EOFError:  # started ahead and never given a job: the caller has ended
        return
    out = sys.stdout.buffer
    for index, entry in share:
        body = pickle.dumps(load_screen_plate(entry, index, rule), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(HEADER.pack(len(body)))
        out.write(body)
        out.flush()


if __name__ == "__main__":
    main()
