"""`python -m tcc.trace FILE.py:Model --input x=f32[8,64] -o model.mlir`:
the command line, implemented in tcc/cli.py."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
