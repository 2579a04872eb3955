import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from system_support import spawn  # noqa: F401  (the fixture)


def pytest_configure(config):
    config.addinivalue_line("markers", "long: takes a minute or more; started first, so it runs beside the rest")


def pytest_collection_modifyitems(items):
    # xdist hands tests out in collection order: the long ones first, each then runs on
    # one worker while the others work through everything else, instead of at the end.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
