import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from system_support import spawn  # noqa: F401  (the fixture)
