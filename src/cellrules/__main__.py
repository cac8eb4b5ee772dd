"""`python -m cellrules` is the same program as `cellrules`."""
import sys

try:
    from cellrules.cli import main
except KeyboardInterrupt:  # Ctrl-C while the program starts: the same exit as later on
    sys.exit(130)

sys.exit(main())
