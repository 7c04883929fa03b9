"""`python -m mlcost` runs the CLI."""

from mlcost.cli import main

main()
