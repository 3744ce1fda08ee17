"""Allow ``python -m <package>`` to run the command-line interface."""

from .interface.cli import main

raise SystemExit(main())
