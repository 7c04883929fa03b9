"""``python -m mlcost.agent.core run ...`` starts the agent from a checkout."""

import sys

from .runner import main

sys.exit(main())
