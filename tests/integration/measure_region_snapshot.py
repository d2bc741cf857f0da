"""Measures region compaction at scale (replication/SNAPSHOT.md quotes it): loads KEYS string
keys (default 1,000,000) into a three-node region that compacts every 8 MiB of log, prints each
node's snapshot figures from INFO, then restarts a follower with an empty data directory and
times its rejoin. Not a test (no assertions); run with /usr/bin/python3 from this directory."""
import sys, time, pathlib, tempfile, os
sys.path.insert(0, '.')
from conftest import wait_until
from test_region_election import Region
from test_region_snapshots import info
N = int(os.environ.get("KEYS", "1000000"))
tmp = pathlib.Path(tempfile.mkdtemp())
r = Region(tmp); r.extra = ["--region-snapshot-entries", "100000000", "--region-snapshot-bytes", "8mb"]
def fig(n):
    i = info(r, n)
    return {k[19:]: i[k] for k in i if k.startswith("tern_region_snapshot")}
try:
    r.start_all()
    leader = wait_until(r.leader, 10, "leader")
    t = time.monotonic()
    with r.servers[leader].client() as c:
        pipe = c.pipeline(transaction=False)
        for i in range(N):
            pipe.set(f"key:{i}", f"value-{i}")
            if len(pipe) >= 2000:
                pipe.execute()
        pipe.execute()
    print(f"loaded {N} keys in {time.monotonic()-t:.1f} s")
    # Force one more compaction at full size.
    with r.servers[leader].client() as c:
        before = info(r, leader)["tern_region_snapshots_taken"]
        k = 0
        while info(r, leader)["tern_region_snapshots_taken"] < before + 2:
            pipe = c.pipeline(transaction=False)
            for j in range(2000): pipe.set(f"pad:{k}:{j}", "x" * 100)
            pipe.execute(); k += 1
    for n in r.names: print(n, fig(n))
    follower = next(n for n in r.names if n != leader)
    r.kill(follower)
    for p in (tmp / follower).iterdir(): p.unlink()
    t = time.monotonic()
    r.start(follower)
    wait_until(lambda: info(r, follower)["tern_region_rejoining"] == 0, 600, "rejoined")
    print(f"empty follower rejoined (snapshot installed, promoted) in {time.monotonic()-t:.1f} s", fig(follower))
    print("leader after sending", fig(leader))
finally:
    r.stop()
    print(tmp)
