"""``python -m mlcost.agent.core run ...`` (and the embedded zipapp) start the agent."""

import sys

from .runner import main

sys.exit(main())
