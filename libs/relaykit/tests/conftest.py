import sys
from pathlib import Path

# The probe service lives beside the tests; make it importable under importlib mode.
sys.path.insert(0, str(Path(__file__).parent))
