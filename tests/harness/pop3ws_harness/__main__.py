"""python3 -m pop3ws_harness dovecot|delayrelay ... (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
