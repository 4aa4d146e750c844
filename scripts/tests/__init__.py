"""The scripts' unit tests (unittest), one test_<module>.py per module of scripts/lib. Run them all
with `/usr/bin/python3 -m unittest discover -s scripts/tests -t scripts` from the repository root
(CTest's common.scripts.UnitTests does). Importing this package puts scripts/lib on sys.path, so a
test imports the module it tests by its plain name."""

import pathlib
import sys

LIB = pathlib.Path(__file__).resolve().parents[1] / "lib"
if str(LIB) not in sys.path:
    sys.path.insert(0, str(LIB))
