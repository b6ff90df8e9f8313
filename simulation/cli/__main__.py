"""`python -m simulation.cli`: the `gridgov` command."""

import sys

from simulation.cli import main

sys.exit(main())
