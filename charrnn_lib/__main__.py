"""`python -m charrnn_lib …` is the same as the `charrnn` command."""

import sys

from charrnn_lib.cli import main

sys.exit(main())
