"""``python -m tierdesk.cli``: how ``tierdesk up`` starts its children."""

import sys

from tierdesk.cli import main

sys.exit(main())
