import sys

from ctloop.cli import main

sys.exit(main())
