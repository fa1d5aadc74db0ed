"""The frozen program's entry point: the same ``kiosk`` command as the console script."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
