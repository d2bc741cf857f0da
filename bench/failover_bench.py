#!/usr/bin/python3
"""bench/run failover: the region failover drill, timed (see bench/failover.sh)."""
import argparse
import os
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("TERN_SERVER", str(ROOT / "build/release/tern-server"))
sys.path.insert(0, str(ROOT / "tests/integration"))

from region_drill import percentile, run_drill  # noqa: E402
from test_region_election import Region  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--writes-between", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tern-failover-") as tmp:
        region = Region(pathlib.Path(tmp))
        try:
            region.start_all()
            times_ms, acked, lost = run_drill(region, args.kills, args.writes_between)
        finally:
            region.stop()
    for i, t in enumerate(times_ms):
        print(f"# kill {i + 1}: first acknowledged write on the new leader after {t:.0f} ms")
    print(f"# acknowledged writes: {acked}")
    print(f"failover: kills={len(times_ms)} p50_ms={percentile(times_ms, 50):.0f} "
          f"p99_ms={percentile(times_ms, 99):.0f} max_ms={max(times_ms):.0f} lost_acked={len(lost)}")
    return 0 if not lost else 1


if __name__ == "__main__":
    sys.exit(main())
