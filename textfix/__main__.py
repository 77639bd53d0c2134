"""``python -m textfix`` runs the command line."""

import sys

from textfix.cli import main

if __name__ == "__main__":
    sys.exit(main())
