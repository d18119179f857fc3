"""`python -m lk`: the same command line as `lk`."""

from lk.cli import main

raise SystemExit(main())
