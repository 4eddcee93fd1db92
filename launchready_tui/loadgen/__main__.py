"""``python -m launchready_tui.loadgen``: the generator process (see worker.py)."""

from launchready_tui.loadgen.worker import main

raise SystemExit(main())
