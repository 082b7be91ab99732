"""`python -m mlhub` runs the CLI."""

from mlhub.cli import main

main()
