#!/usr/bin/python3
"""bench/run global: what shipping between regions costs, side by side in one run.

1. Wire bytes per operation. The same mix of commands goes to redis-server with one replica
   attached (its replication stream: master_repl_offset growth) and to region east of a
   two-region tern datastore (the frames east ships to west: wire_bytes_sent, lz4-compressed
   Protobuf). The mix, from a fixed seed: 70% SET of a 100-300-byte JSON-like session value,
   20% INCR of one of 100 counters, 10% ZINCRBY of one of 10,000 members of a leaderboard.
   Printed for those values and again with random 64-byte values (which no compressor shrinks).
   Target (issue 6): tern <= 0.4x redis.
2. Local write throughput with two peer regions shipping against the same region with no
   peers: redis-benchmark SET -P 16 -c 50 -d 64 against each, alternating, medians over --runs.
   Target: >= 0.85x. On one 2-core machine the peer regions would otherwise take the measured
   region's CPU, which on a real deployment they do not share: the measured node is pinned to
   CPU 0, redis-benchmark to CPU 1, and the peer regions run on CPU 1 at nice 19, standing in
   for machines of their own (they use what the benchmark leaves; shipping is asynchronous, so
   a slow peer never holds the measured region back).
Regions here are one node each (a region log of one voter), so the figures are about shipping,
not about the region's own replication (bench/run region measures that).
"""
import argparse
import csv
import io
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("TERN_SERVER", str(ROOT / "build/release/tern-server"))
sys.path.insert(0, str(ROOT / "tests/integration"))

from conftest import start_redis, wait_until  # noqa: E402
from global_datastore import GlobalDatastore  # noqa: E402


def json_value(rng):
    """A session document of 100 to 300 bytes, the shape web apps cache."""
    target = rng.randint(100, 300)
    doc = {"user": rng.randint(1, 10**6), "session": "%016x" % rng.getrandbits(64),
           "locale": rng.choice(["en-US", "de-DE", "fr-FR", "ja-JP"]),
           "cart": [rng.randint(1000, 9999) for _ in range(rng.randint(0, 4))],
           "flags": {"beta": rng.random() < 0.5, "dark": rng.random() < 0.5}}
    doc["recent"] = []
    text = json.dumps(doc, separators=(",", ":"))
    while len(text) < target:  # recently viewed pages fill it up to its size
        doc["recent"].append("/item/%d" % rng.randint(1, 99999))
        text = json.dumps(doc, separators=(",", ":"))
    return text


def mix(count, values, seed=7):
    """The commands of the mix, as argument lists."""
    rng = random.Random(seed)
    commands = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.7:
            value = json_value(rng) if values == "json" else rng.getrandbits(512).to_bytes(64, "little")
            commands.append(("SET", "session:%d" % rng.randint(1, 5000), value))
        elif roll < 0.9:
            commands.append(("INCR", "counter:%d" % rng.randint(1, 100)))
        else:
            commands.append(("ZINCRBY", "leaderboard", rng.randint(1, 50), "player:%d" % rng.randint(1, 10000)))
    return commands


def run_commands(client, commands):
    for start in range(0, len(commands), 200):
        pipe = client.pipeline(transaction=False)
        for command in commands[start:start + 200]:
            pipe.execute_command(*command)
        pipe.execute()


def redis_stream_bytes(tmp, commands):
    (tmp / "master").mkdir(parents=True)
    (tmp / "replica").mkdir(parents=True)
    master = start_redis(tmp / "master")
    replica = start_redis(tmp / "replica", "--replicaof", "127.0.0.1", str(master.port))
    try:
        wait_until(lambda: replica.client().info("replication")["master_link_status"] == "up", 30,
                   "the Redis replica linked")
        with master.client() as c:
            before = c.info("replication")["master_repl_offset"]
            run_commands(c, commands)
            after = c.info("replication")["master_repl_offset"]
        return after - before
    finally:
        replica.stop()
        master.stop()


def tern_wire_bytes(tmp, commands):
    tmp.mkdir(parents=True)
    store = GlobalDatastore(tmp, {"east": 1, "west": 1})
    try:
        store.start_all()
        store.wait_for_leaders()
        wait_until(lambda: store.peer_links_up("east", "e1"), 30, "east's link to west")
        with store.client("east") as east:
            before = east.info("replication")["tern_peer_region0"]["wire_bytes_sent"]
            run_commands(east, commands)

            def drained():
                peer = east.info("replication")["tern_peer_region0"]
                return peer if peer["pending_batches"] == 0 and peer["in_flight_bytes"] == 0 else None
            peer = wait_until(drained, 60, "east's outbox drained to west")
        return peer["wire_bytes_sent"] - before
    finally:
        store.stop()


def set_rps(port, requests):
    out = subprocess.run(["taskset", "-c", "1", "redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set", "-P", "16",
                          "-c", "50", "-n", str(requests), "-d", "64", "-r", "1000000", "-q", "--csv"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] == "SET"]
    return float(rows[0][1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tern-global-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        for values in ("json", "random64"):
            commands = mix(args.ops, values)
            redis_bytes = redis_stream_bytes(tmp / f"redis-{values}", commands)
            tern_bytes = tern_wire_bytes(tmp / f"tern-{values}", commands)
            name = "mix" if values == "json" else "mix_random64"
            print(f"global: bytes_per_op {name} tern={tern_bytes / len(commands):.1f} "
                  f"redis={redis_bytes / len(commands):.1f} ratio={tern_bytes / redis_bytes:.2f}", flush=True)

        (tmp / "alone").mkdir()
        (tmp / "peered").mkdir()
        alone = GlobalDatastore(tmp / "alone", {"east": 1})
        peered = GlobalDatastore(tmp / "peered", {"east": 1, "west": 1, "apac": 1})
        for store in (alone, peered):
            store.launch_prefix = {"east": ["taskset", "-c", "0"],
                                   "west": ["nice", "-n", "19", "taskset", "-c", "1"],
                                   "apac": ["nice", "-n", "19", "taskset", "-c", "1"]}
        try:
            # One region with no peer-regions at all: the same node, nothing to ship.
            alone.start_all()
            alone.wait_for_leaders()
            peered.start_all()
            peered.wait_for_leaders()
            wait_until(lambda: peered.peer_links_up("east", "e1"), 30, "east's links")
            targets = {"alone": alone.regions["east"]["nodes"]["e1"], "peers": peered.regions["east"]["nodes"]["e1"]}
            results = {name: [] for name in targets}
            for run in range(args.runs):
                order = list(targets) if run % 2 == 0 else list(reversed(list(targets)))
                for name in order:
                    rps = set_rps(targets[name], args.requests)
                    results[name].append(rps)
                    print(f"# run {run + 1}/{args.runs} {name}: {rps:.0f} rps", flush=True)
            med = {n: statistics.median(v) for n, v in results.items()}
            print(f"global: throughput_with_peers alone={med['alone']:.0f} peers={med['peers']:.0f} "
                  f"ratio={med['peers'] / med['alone']:.2f}")
        finally:
            alone.stop()
            peered.stop()


if __name__ == "__main__":
    main()
