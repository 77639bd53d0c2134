"""Test-session set-up shared by every test module."""

import os
import tempfile

# Derived-data caches (textfix/cache.py) go to a folder of this test session, never
# to the user's own cache; subprocesses (CLI tests) inherit the variable.
if "TEXTFIX_CACHE_DIR" not in os.environ:
    os.environ["TEXTFIX_CACHE_DIR"] = tempfile.mkdtemp(prefix="textfix-test-cache-")
