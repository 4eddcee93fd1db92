from launchready_tui.cli import main

raise SystemExit(main())
