"""The failover drill shared by tests/integration/test_region_failover_drill.py and
bench/failover_bench.py: continuous acknowledged writes to a 3-node region while the leader is
killed with SIGKILL again and again (restarted each time), checking after every failover that
every acknowledged write is on the new leader, key by key."""
import time

import redis

from conftest import wait_until


def find_leader(region, among=None):
    return wait_until(lambda: region.leader(among), 15.0, "a leader")


class Writer:
    """SETs drill:<n> = <n> on the leader; remembers every acknowledged one."""

    def __init__(self, region):
        self.region = region
        self.acked = []
        self.next = 0
        self.leader = None
        self.client = None

    def connect(self, among=None):
        self.leader = find_leader(self.region, among)
        if self.client is not None:
            self.client.close()
        self.client = redis.Redis(port=self.region.servers[self.leader].port, socket_timeout=2)

    def write_once(self):
        """One SET; True when acknowledged. A failure leaves the outcome unknown (not acked)."""
        n = self.next
        self.next += 1
        try:
            if self.client.set(f"drill:{n}", n) is True:
                self.acked.append(n)
                return True
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            pass
        return False


def missing_acked(client, acked):
    missing = []
    for start in range(0, len(acked), 500):
        chunk = acked[start:start + 500]
        values = client.mget([f"drill:{n}" for n in chunk])
        missing += [n for n, v in zip(chunk, values) if v != str(n).encode()]
    return missing


def run_drill(region, kills, writes_between=200):
    """Returns (failover times in ms, acknowledged writes, acknowledged writes missing)."""
    writer = Writer(region)
    writer.connect()
    times_ms = []
    lost = []
    for _ in range(kills):
        target = len(writer.acked) + writes_between
        while len(writer.acked) < target:
            if not writer.write_once():
                writer.connect()
        victim = writer.leader
        killed_at = time.monotonic()
        region.kill(victim)
        survivors = [n for n in region.servers]
        while True:
            try:
                writer.connect(survivors)
            except TimeoutError:
                continue
            if writer.write_once():
                break
        times_ms.append((time.monotonic() - killed_at) * 1000)
        lost += missing_acked(writer.client, writer.acked)
        region.start(victim)
    return times_ms, len(writer.acked), lost


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
