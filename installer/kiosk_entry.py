"""The frozen program's entry point: the same ``kiosk`` command as the console script.

``freeze_support()`` first: the sync worker's FHIR readers come from a fork server,
which a frozen program starts by running itself with ``-c …``; PyInstaller's hook
recognises that command line here and runs the fork server instead of the CLI.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from kiosk.cli import main

    sys.exit(main())
