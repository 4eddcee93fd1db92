"""The load generator of stage 6: its own process, open and closed models, exact percentiles.

* ``plan`` — endpoints, user steps -> request rates (Little's law), caps; JSON across the process boundary.
* ``engine`` — runs a plan inside the generator process (``python -m launchready_tui.loadgen``);
  ``http1`` — its keep-alive HTTP/1.1 client (asyncio protocols + llhttp); ``tally`` — running counts.
* ``process`` — the parent side: start the generator, stream its per-second events, cancel within 1 s.
* ``samples`` — raw samples and exact nearest-rank percentiles; ``analysis`` — verdicts, knee, capacity note.
* ``safety`` — loopback detection and the owner's confirmation stored in the project file.

Importing this package is free: httptools and the net layer load only in the modules that need them.
"""
