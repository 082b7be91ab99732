"""The warehouse the golden path extracts from: the listings tables loaded into any SQLAlchemy URL,
by default an embedded SQLite file in the state folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from mlhub.golden import listings

TABLES = ("sellers", "listings")


@dataclass(frozen=True)
class Loaded:
    url: str  # without a password
    rows: dict[str, int]
    created: bool  # False when the tables were already there


def default_url(state_dir: Path) -> str:
    return f"sqlite:///{state_dir / 'warehouse.sqlite'}"


def safe_url(url: str) -> str:
    """The URL as it may be printed: any password hidden."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def row_counts(engine: sa.Engine) -> dict[str, int] | None:
    """Rows per table, or None when a table is missing."""
    names = set(sa.inspect(engine).get_table_names())
    if not set(TABLES) <= names:
        return None
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}  # noqa: S608


def ensure(url: str, replace: bool = False) -> Loaded:
    """Create the tables with the generated data unless they are there with every row."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    try:
        counts = row_counts(engine)
        expected = {"sellers": listings.SELLERS, "listings": listings.LISTINGS}
        if counts == expected and not replace:
            return Loaded(safe_url(url), counts, created=False)
        tables = listings.generate()
        with engine.begin() as conn:  # one transaction: readers never see half a warehouse
            for name in reversed(TABLES):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
            for name in TABLES:
                tables[name].to_sql(name, conn, index=False, chunksize=10_000)
        return Loaded(safe_url(url), row_counts(engine) or {}, created=True)
    finally:
        engine.dispose()
