#!/usr/bin/python3
"""bench/run region: what a region's replication costs, side by side in one run.

Four targets with the same settings and the same load: one tern-server; redis-server with one
replica attached (Redis's asynchronous replication, the managed-service default); a 3-node tern
region with region-ack quorum (a reply waits for a majority); the same region with region-ack
local. For each run, each target in turn (the order rotates from run to run) gets
    redis-benchmark -h 127.0.0.1 -p PORT -t set -P 16 -c 50 -n REQUESTS -d 64 -r 1000000 -q --csv
(against the region's leader). --fsync-no adds a quorum region with region-fsync no, to show
what the log's fsync costs (the default stays region-fsync always); --cpu prints, per run, the
CPU seconds per 1M SETs of every process of the target and of redis-benchmark. Medians over --runs runs, ratios to the single node and to
redis-server with a replica. Then the failover drill of bench/run failover (--kills kills).
Target (issue 5): quorum >= 0.7x a single node.
"""
import argparse
import csv
import io
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("TERN_SERVER", str(ROOT / "build/release/tern-server"))
sys.path.insert(0, str(ROOT / "tests/integration"))

from conftest import start_redis, start_tern, wait_until  # noqa: E402
from region_drill import percentile, run_drill  # noqa: E402
from test_region_election import ELECTION_DEADLINE_S, Region  # noqa: E402


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process, from /proc (fields 14 and 15)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def set_rps(port, requests):
    out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set", "-P", "16",
                          "-c", "50", "-n", str(requests), "-d", "64", "-r", "1000000", "-q", "--csv"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] == "SET"]
    return float(rows[0][1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=500000)
    parser.add_argument("--kills", type=int, default=20, help="0 skips the failover drill")
    parser.add_argument("--cpu", action="store_true",
                        help="per run, CPU seconds per 1M SETs of each process (from /proc) and of redis-benchmark")
    parser.add_argument("--fsync-no", action="store_true",
                        help="also a quorum region with region-fsync no (what fsync costs; not the default)")
    args = parser.parse_args()
    started = []
    with tempfile.TemporaryDirectory(prefix="tern-region-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        try:
            (tmp / "single").mkdir()
            single = start_tern(tmp / "single", "--save", "")
            started.append(single)
            (tmp / "redis").mkdir()
            master = start_redis(tmp / "redis")
            started.append(master)
            (tmp / "replica").mkdir()
            replica = start_redis(tmp / "replica", "--replicaof", "127.0.0.1", str(master.port))
            started.append(replica)
            wait_until(lambda: replica.client().info("replication")["master_link_status"] == "up", 30,
                       "the Redis replica linked")
            regions = {}
            pids = {}  # per target, the processes whose CPU --cpu reports
            modes = {"quorum": ["--region-ack", "quorum"], "local": ["--region-ack", "local"]}
            if args.fsync_no:
                modes["quorum_fsync_no"] = ["--region-ack", "quorum", "--region-fsync", "no"]
            for mode, extra in modes.items():
                (tmp / mode).mkdir()
                region = Region(tmp / mode)
                region.extra = extra
                region.start_all()
                started.append(region)
                leader = wait_until(region.leader, ELECTION_DEADLINE_S, f"a {mode} leader")
                regions[mode] = region.servers[leader].port
                pids[mode] = {("leader" if n == leader else f"follower_{n}"): s.process.pid
                              for n, s in region.servers.items()}
            targets = {"single": single.port, "redis_with_replica": master.port, **regions}
            pids["single"] = {"server": single.process.pid}
            pids["redis_with_replica"] = {"master": master.process.pid, "replica": replica.process.pid}
            names = list(targets)
            results = {n: [] for n in names}
            for run in range(args.runs):
                order = names[run % len(names):] + names[:run % len(names)]
                for name in order:
                    before = {k: cpu_seconds(p) for k, p in pids[name].items()}
                    bench_before = children_cpu_seconds()
                    rps = set_rps(targets[name], args.requests)
                    results[name].append(rps)
                    cpu = ""
                    if args.cpu:
                        per_million = 1e6 / args.requests
                        spent = {k: (cpu_seconds(p) - before[k]) * per_million for k, p in pids[name].items()}
                        spent["redis-benchmark"] = (children_cpu_seconds() - bench_before) * per_million
                        cpu = " cpu_s_per_1M_sets: " + " ".join(f"{k}={v:.2f}" for k, v in spent.items())
                    print(f"# run {run + 1}/{args.runs} {name}: {rps:.0f} rps{cpu}", flush=True)
            med = {n: statistics.median(v) for n, v in results.items()}
            print(f"region: test=SET P=16 single={med['single']:.0f} quorum={med['quorum']:.0f} "
                  f"ratio={med['quorum'] / med['single']:.2f}")
            print(f"region: test=SET P=16 single={med['single']:.0f} local={med['local']:.0f} "
                  f"ratio={med['local'] / med['single']:.2f}")
            if args.fsync_no:
                print(f"region: test=SET P=16 single={med['single']:.0f} quorum_fsync_no={med['quorum_fsync_no']:.0f} "
                      f"ratio={med['quorum_fsync_no'] / med['single']:.2f}")
            print(f"region: test=SET P=16 redis_with_replica={med['redis_with_replica']:.0f} "
                  f"quorum={med['quorum']:.0f} ratio={med['quorum'] / med['redis_with_replica']:.2f}")
        finally:
            for s in started:
                s.stop()
        if args.kills == 0:
            return 0  # throughput only (while iterating)
        (tmp / "drill").mkdir()
        drill = Region(tmp / "drill")
        try:
            drill.start_all()
            times_ms, acked, lost = run_drill(drill, args.kills, 200)
        finally:
            drill.stop()
    print(f"failover: kills={len(times_ms)} p50_ms={percentile(times_ms, 50):.0f} "
          f"p99_ms={percentile(times_ms, 99):.0f} max_ms={max(times_ms):.0f} lost_acked={len(lost)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
