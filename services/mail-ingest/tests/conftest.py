"""The mail-ingest tests: the corpora helper (corpora_support) beside them is importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
