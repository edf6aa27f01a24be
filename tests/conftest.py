from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return REPO / "seeds"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The project's shared folder (CLAIMS.md, gold, scorer), which lies beside the checkout."""
    if not (SHARED / "gold" / "seeds.jsonl").exists():
        pytest.fail(f"{SHARED} is missing: the gold data and scorer live beside the checkout")
    return SHARED
