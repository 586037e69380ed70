"""Settings for the whole suite.

Property tests explore new examples on every local run; in CI (`CI` set, as `.ci/run` does)
they draw the same examples every time, so a run fails only for a change in the code, and no
example is failed for taking long on a loaded two-core machine.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
