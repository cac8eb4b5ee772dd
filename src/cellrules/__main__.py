"""`python -m cellrules` is the same program as `cellrules`."""
import sys

from cellrules.cli import main

sys.exit(main())
