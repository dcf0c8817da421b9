"""`python -m dashboard …`: the command line (dashboard.cli), serving the dashboard by default."""

from dashboard.cli import main

raise SystemExit(main())
