"""The golden path's warehouse: the same generated rows on every machine, loaded into any
SQLAlchemy URL (SQLite by default, PostgreSQL here too), and the extraction query of 01 runs on both."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pandas as pd
import sqlalchemy as sa

from mlhub.golden import listings, warehouse

from .conftest import REPO

QUERY = re.search(r'QUERY = """(.*?)"""', "\n".join(
    c.source for c in nbformat.read(REPO / "tutorials/01-explore-data.ipynb", as_version=4).cells
    if c.cell_type == "code"), re.S).group(1)


def test_the_data_is_reproducible_realistic_and_large_enough():
    a, b = listings.generate(), listings.generate()
    assert pd.util.hash_pandas_object(a["listings"]).equals(pd.util.hash_pandas_object(b["listings"]))
    frame = a["listings"]
    assert len(frame) == listings.LISTINGS and (frame["status"] == "sold").sum() >= 50_000
    assert all(frame[c].map(type).eq(str).all() for c in ("category", "brand", "condition", "city", "title"))
    assert frame["description"].str.len().mean() > 40 and frame["price_eur"].min() >= 1
    by_condition = frame.groupby("condition")["price_eur"].median()
    assert by_condition["new"] > by_condition["good"] > by_condition["for parts"]  # prices behave


def extract(url: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text(QUERY), conn)
    finally:
        engine.dispose()


def test_sqlite_and_postgresql_hold_the_same_rows_and_01s_query_runs_on_both(tmp_path, postgres_url):
    lite = warehouse.default_url(tmp_path)
    first = warehouse.ensure(lite)
    assert first.created and first.rows == {"sellers": 9_000, "listings": 80_000}
    assert warehouse.ensure(lite).created is False  # complete: left as it is
    pg = warehouse.ensure(postgres_url, replace=True)
    assert pg.created and pg.rows == first.rows
    a, b = extract(lite), extract(postgres_url)
    assert len(a) == len(b) >= 50_000
    assert (a["split"] == "test").mean() == (b["split"] == "test").mean() > 0.19
    assert a["listing_id"].tolist() == b["listing_id"].tolist()


def test_warehouse_create_names_a_url_that_does_not_connect_without_its_password(tmp_path):
    res = subprocess.run([sys.executable, "-m", "mlhub", "warehouse", "create"], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path),
                              "MLHUB_WAREHOUSE_URL": "postgresql+psycopg://analyst:s3cret@127.0.0.1:9/market"},
                         timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "warehouse postgresql+psycopg://analyst:***@127.0.0.1:9/market: OperationalError" in res.stderr
    assert "s3cret" not in res.stdout + res.stderr
