"""The polygon-intersects join in DuckDB spatial, for benches/impact_vs_duckdb.sh: objects
(`id,wkt` CSV) against zones (`wkt` CSV), timed without the loading, with an R-tree index on the
objects as DuckDB's spatial extension builds it. Prints one JSON line: zones, hits, seconds."""
import glob
import json
import os
import sys
import time

import duckdb

objects, zones, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
ext = glob.glob(os.path.join(os.path.dirname(duckdb.__file__), "..", "duckdb_ext", "extensions", "*", "*", "spatial.duckdb_extension"))
con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
con.execute(f"SET threads = {threads}")
con.execute(f"LOAD '{ext[0]}'")
con.execute(f"CREATE TABLE o AS SELECT id, ST_GeomFromText(wkt) AS g FROM read_csv('{objects}', header = true, quote = '\"')")
con.execute(f"CREATE TABLE z AS SELECT row_number() OVER () AS zid, ST_GeomFromText(wkt) AS g FROM read_csv('{zones}', header = true, quote = '\"')")
con.execute("CREATE INDEX o_rtree ON o USING RTREE (g)")
best = None
for _ in range(3):
    t = time.perf_counter()
    hits = con.execute("SELECT count(*) FROM z JOIN o ON ST_Intersects(z.g, o.g)").fetchone()[0]
    s = time.perf_counter() - t
    best = s if best is None else min(best, s)
zones_n = con.execute("SELECT count(*) FROM z").fetchone()[0]
print(json.dumps({"peer": "duckdb-spatial", "zones": zones_n, "hits": hits, "threads": threads, "query_s": best}))
