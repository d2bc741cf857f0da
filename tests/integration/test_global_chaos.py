"""A global datastore whose links between regions all go through tern-chaos-proxy: a region cut
off for 30 s keeps serving its clients and converges exactly once the link heals; added latency
shows as lag and goes away; a half-open or blackholed link is noticed (reported down) and
recovers. Every number checked is the exact sum of acknowledged writes."""
import threading
import time

import pytest
import redis

from conftest import wait_until
from global_datastore import GlobalDatastore

CONVERGE_S = 30
CATCH_UP_S = 120


def links_up(store, region, node):
    return store.peer_links_up(region, node)


def peer(store, region, node, name):
    with store.client(region, node) as c:
        info = c.info("replication")
    return next(v for k, v in info.items() if k.startswith("tern_peer_region") and v["name"] == name)


@pytest.mark.xfail(strict=False, reason=(
    "known bug, open in issue 6: after the heal the counter is exact but the ZINCRBY scores on "
    "east came up 6 short (3 per missing increment) in the runs of 2026-11-23; not yet diagnosed"))
def test_a_region_cut_off_for_30_s_keeps_serving_and_converges_exactly_after_the_heal(tmp_path):
    # Nine nodes, a proxy and three writers share two cores: a slower election clock (ticks of
    # 25 ms: timeouts of 0.75-1.5 s) keeps a starved follower from starting needless elections.
    store = GlobalDatastore(tmp_path, {"east": 3, "west": 3, "apac": 3}, proxy=True,
                            extra=["--region-tick", "25"])
    try:
        store.start_all()
        leaders = store.wait_for_leaders(30)
        for region, node in leaders.items():
            wait_until(lambda r=region, n=node: links_up(store, r, n), 30, f"{region}'s links up")
        acked = {"counter": 0, "alice": 0, "bob": 0}
        # A write whose connection broke has an unknown outcome (a failover under load): it is
        # counted apart, and the sums must then lie between acknowledged and acknowledged + unknown.
        unknown = {"counter": 0, "alice": 0, "bob": 0}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(region):
            nodes = list(store.regions[region]["nodes"])
            turn = nodes.index(leaders[region])
            client = store.client(region, nodes[turn])
            i = 0
            while not stop.is_set():
                member = "alice" if i % 2 else "bob"
                for command, key, amount in (("incr", "counter", 1), ("zincrby", member, 3)):
                    try:
                        if command == "incr":
                            client.incr("counter")
                        else:
                            client.zincrby("board", 3, member)
                        with lock:
                            acked[key] += amount
                    except (redis.ConnectionError, redis.ResponseError):
                        with lock:
                            unknown[key] += amount
                        client.close()
                        turn = (turn + 1) % len(nodes)  # any node takes writes: followers forward
                        client = store.client(region, nodes[turn])
                i += 1
            client.close()

        threads = [threading.Thread(target=writer, args=(r,)) for r in store.regions]
        for t in threads:
            t.start()
        cut = store.links_between("apac", "east") + store.links_between("apac", "west")
        store.chaos("CUT", cut)
        cut_at = time.monotonic()
        # While cut off, apac still serves its own clients, reads and writes.
        with store.client("apac", leaders["apac"]) as apac:
            wait_until(lambda: peer(store, "apac", leaders["apac"], "east")["link"] == "down", 10,
                       "apac's link to east reported down")
            before = int(apac.get("counter"))
            assert apac.incr("apac-only") >= 1
            wait_until(lambda: int(apac.get("counter")) > before + 10, 10, "apac counting its own writes")
        time.sleep(max(0.0, 30 - (time.monotonic() - cut_at)))  # the 30-second outage (the scenario)
        store.chaos("HEAL", cut)
        time.sleep(2)  # and two seconds of writes across the healed links (the scenario)
        stop.set()
        for t in threads:
            t.join(30)

        seen = {}

        def within(region, node):
            with store.client(region, node) as c:
                got = {"counter": int(c.get("counter") or 0), "alice": c.zscore("board", "alice") or 0,
                       "bob": c.zscore("board", "bob") or 0}
            seen[(region, node)] = got  # shown in the failure message
            return all(acked[k] <= got[k] <= acked[k] + unknown[k] for k in got) and got
        results = []
        for region, spec in store.regions.items():
            for node in spec["nodes"]:
                # Catching up 30 s of three regions' writes: the cut-off region applies a backlog
                # through its own region log (an fsync per round on each of its nodes).
                try:
                    results.append(wait_until(lambda r=region, n=node: within(r, n), CATCH_UP_S,
                                              f"{region}/{node} holding the acknowledged sums {acked} (+ {unknown})"))
                except TimeoutError as timeout:
                    raise AssertionError(f"{timeout}; what each node held last: {seen}") from timeout
        assert all(r == results[0] for r in results)  # every node of every region agrees
        if not any(unknown.values()):
            assert results[0] == acked  # exactly the acknowledged increments
    finally:
        store.stop()


@pytest.fixture
def two_proxied(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 1, "west": 1}, proxy=True, extra=["--shipping-link-timeout", "1000"])
    store.start_all()
    store.wait_for_leaders()
    wait_until(lambda: links_up(store, "east", "e1") and links_up(store, "west", "w1"), CONVERGE_S, "links up")
    yield store
    store.stop()


def write_some(client, prefix, count):
    pipe = client.pipeline(transaction=False)
    for i in range(count):
        pipe.set(f"{prefix}:{i}", i)
    pipe.execute()


def test_added_latency_shows_as_lag_and_goes_away(two_proxied):
    store = two_proxied
    store.chaos("DELAY", ["east_to_w1"], "both", 300)
    with store.client("east") as east, store.client("west") as west:
        write_some(east, "slow", 100)
        observed = wait_until(lambda: (lambda p: p if p["lag_ms"] >= 200 else None)(peer(store, "east", "e1", "west")),
                              10, "east reporting west's lag")
        assert observed["link"] == "up"
        wait_until(lambda: west.get("slow:99") == b"99", CONVERGE_S, "the writes arriving late in west")
        store.chaos("CLEAR", ["east_to_w1"])
        write_some(east, "fast", 100)
        wait_until(lambda: peer(store, "east", "e1", "west")["lag_ms"] == 0
                   and west.get("fast:99") == b"99", CONVERGE_S, "lag back to 0")


@pytest.mark.parametrize("fault", [("HALFOPEN", "up"), ("BLACKHOLE", "on")])
def test_a_half_open_or_blackholed_link_is_reported_down_and_recovers(two_proxied, fault):
    store = two_proxied
    store.chaos(fault[0], ["east_to_w1"], fault[1])
    with store.client("east") as east, store.client("west") as west:
        write_some(east, "lost", 50)
        wait_until(lambda: peer(store, "east", "e1", "west")["link"] == "down", 10,
                   "east noticing the dead link to west")
        assert west.get("lost:49") is None  # nothing got through
        store.chaos("CLEAR", ["east_to_w1"])
        wait_until(lambda: west.get("lost:49") == b"49", CONVERGE_S, "the writes arriving after recovery")
        wait_until(lambda: peer(store, "east", "e1", "west")["link"] == "up", CONVERGE_S, "the link up again")
        assert all(west.get(f"lost:{i}") == str(i).encode() for i in range(50))


def test_writes_reach_a_region_through_a_third_when_their_direct_link_is_cut(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 1, "west": 1, "apac": 1}, proxy=True)
    try:
        store.start_all()
        store.wait_for_leaders()
        for region, node in (("east", "e1"), ("west", "w1"), ("apac", "a1")):
            wait_until(lambda r=region, n=node: links_up(store, r, n), CONVERGE_S, f"{region}'s links up")
        store.chaos("CUT", store.links_between("east", "apac"))
        wait_until(lambda: peer(store, "east", "e1", "apac")["link"] == "down", 10, "east-apac reported down")
        with store.client("east") as east, store.client("apac") as apac:
            east.set("relayed", "via west")
            apac.incr("relayed-back")
            # Each reaches the other through west, which ships every origin's ops onward.
            wait_until(lambda: apac.get("relayed") == b"via west", CONVERGE_S, "east's write in apac")
            wait_until(lambda: east.get("relayed-back") == b"1", CONVERGE_S, "apac's write in east")
        assert peer(store, "east", "e1", "apac")["link"] == "down"
    finally:
        store.stop()
