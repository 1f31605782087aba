"""`python -m rasa_patches <rasa arguments>`: the `rasa` command, with the project's patches of Rasa
applied first (rasa_patches/__init__.py). The processes that run the bot start Rasa this way: the
Rasa server (`... run ...`: stack/processes.py, deploy/) and the test stories (`... test core ...`:
the Makefile)."""

import sys

from rasa.__main__ import main

import rasa_patches

if __name__ == "__main__":
    rasa_patches.apply()
    sys.argv[0] = "rasa"
    sys.exit(main())
