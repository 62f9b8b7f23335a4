"""`python -m retaguarda` runs the CLI."""

from retaguarda.cli.main import main

main()
