"""Every region of a global datastore takes writes, and the region leaders ship their committed
writes to each other over mutual TLS (peer-regions): what is written in one region is read in
the others, concurrent increments in several regions add up exactly, and a region that was down
catches up when it returns."""
import time
import urllib.error
import urllib.request

import pytest

from conftest import wait_until
from global_datastore import GlobalDatastore

CONVERGE_S = 20


@pytest.fixture
def two_regions(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 1, "west": 1})
    yield store
    store.stop()


def test_a_write_in_one_region_is_read_in_the_other(two_regions):
    two_regions.start_all()
    two_regions.wait_for_leaders()
    wait_until(lambda: two_regions.peer_links_up("east", "e1") and two_regions.peer_links_up("west", "w1"),
               CONVERGE_S, "both shipping links up")
    with two_regions.client("east") as east:
        assert east.set("greeting", "from east") is True
        east.hset("profile:1", mapping={"name": "ada", "plan": "pro"})
        east.zadd("board", {"alice": 10, "bob": 7})
    with two_regions.client("west") as west:
        wait_until(lambda: west.get("greeting") == b"from east", CONVERGE_S, "the string in west")
        wait_until(lambda: west.zrange("board", 0, -1, withscores=True) == [(b"bob", 7.0), (b"alice", 10.0)],
                   CONVERGE_S, "the leaderboard in west")
        assert west.hgetall("profile:1") == {b"name": b"ada", b"plan": b"pro"}
        assert west.set("reply", "from west") is True
    with two_regions.client("east") as east:
        wait_until(lambda: east.get("reply") == b"from west", CONVERGE_S, "west's write in east")


def test_increments_made_in_both_regions_at_once_add_up_exactly(two_regions):
    two_regions.start_all()
    two_regions.wait_for_leaders()
    with two_regions.client("east") as east, two_regions.client("west") as west:
        for i in range(200):
            east.incrby("hits", 2)
            west.incrby("hits", 3)
        for r in (east, west):
            wait_until(lambda r=r: r.get("hits") == b"1000", CONVERGE_S, "the counter summed in both regions")


def test_a_region_that_was_down_catches_up_with_what_it_missed(two_regions):
    two_regions.start_all()
    two_regions.wait_for_leaders()
    wait_until(lambda: two_regions.peer_links_up("east", "e1"), CONVERGE_S, "east's link to west up")
    two_regions.kill("west", "w1")
    with two_regions.client("east") as east:
        for i in range(300):
            east.set(f"missed:{i}", i)
        info = east.info("replication")
        assert info["tern_peer_region0"]["link"] == "down"
        assert info["tern_peer_region0"]["pending_batches"] > 0
    two_regions.start("west", "w1")  # its region log brings back its own state; east ships the rest
    with two_regions.client("west") as west:
        wait_until(lambda: west.get("missed:299") == b"299", CONVERGE_S, "the last missed write in west")
        assert all(west.get(f"missed:{i}") == str(i).encode() for i in range(300))
    with two_regions.client("east") as east:
        def drained():
            peer = east.info("replication")["tern_peer_region0"]
            return peer if peer["pending_batches"] == 0 and peer["in_flight_bytes"] == 0 and peer["lag_ms"] == 0 else None
        info = wait_until(drained, CONVERGE_S, "east's outbox drained and acknowledged")
        assert info["connects"] >= 2  # the link was resumed


@pytest.fixture
def three_by_three(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 3, "west": 3, "apac": 3})
    yield store
    store.stop()


def dump(client):
    """Every key's type and value, as a comparable structure (TTLs as present or not)."""
    out = {}
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == b"string":
            value = client.get(key)
        elif kind == b"hash":
            value = sorted(client.hgetall(key).items())
        elif kind == b"set":
            value = sorted(client.smembers(key))
        elif kind == b"zset":
            value = client.zrange(key, 0, -1, withscores=True)
        else:
            value = None
        out[key] = (kind, value, client.ttl(key) > 0)
    return out


def test_three_regions_of_three_nodes_converge_on_concurrent_writes_of_every_type(three_by_three):
    store = three_by_three
    store.start_all()
    leaders = store.wait_for_leaders(30)
    for region, node in leaders.items():
        wait_until(lambda r=region, n=node: store.peer_links_up(r, n), 30, f"{region}'s links up")
    clients = {r: store.client(r, n) for r, n in leaders.items()}
    try:
        for i in range(100):
            for r, c in clients.items():
                c.incr("counter")                           # INCR in all three at once
                c.zincrby("board", 1, "shared")             # ZINCRBY of one member everywhere
                c.hset("h", f"{r}-{i % 5}", i)
                c.sadd("s", f"{r}-{i % 7}")
                c.set(f"{r}:k{i}", i)
        clients["east"].zadd("board", {"late": 5})          # ZADD against ZINCRBY of another member
        clients["west"].zincrby("board", 2, "late")
        clients["east"].set("typed", "a string")            # a key written as two types
        clients["apac"].hset("typed", "f", "v")
        clients["west"].set("ttl", "x", ex=1000)            # EXPIRE against PERSIST
        clients["apac"].persist("ttl")
        clients["east"].incr("deleted")                     # DEL against a concurrent INCR
        clients["west"].delete("deleted")
        clients["apac"].incr("deleted")
        # Followers apply the same log: every node of every region ends up with the same data.
        servers = list(store.servers)

        def converged():
            dumps = []
            for region, node in servers:
                with store.client(region, node) as c:
                    dumps.append(dump(c))
            return all(d == dumps[0] for d in dumps) and dumps[0].get(b"counter", (None, None))[1] == b"300"
        stopped = time.monotonic()
        wait_until(converged, 30, "all nine nodes holding identical data")
        # The bound: every node of every region identical within 5 s of the last write.
        assert time.monotonic() - stopped <= 5, f"converged after {time.monotonic() - stopped:.1f} s"
        with store.client("apac") as c:
            assert c.zscore("board", "shared") == 300.0
    finally:
        for c in clients.values():
            c.close()


def test_killing_a_region_leader_while_it_ships_loses_and_doubles_nothing(three_by_three):
    store = three_by_three
    store.start_all()
    leaders = store.wait_for_leaders(30)
    for region, node in leaders.items():
        wait_until(lambda r=region, n=node: store.peer_links_up(r, n), 30, f"{region}'s links up")
    acknowledged = 0
    with store.client("east", leaders["east"]) as east:
        for _ in range(300):
            east.incr("shipped")
            acknowledged += 1
    store.kill("east", leaders["east"])  # mid-shipping: the others must still get every increment
    new_east = wait_until(lambda: store.leader("east"), 30, "a new east leader")
    with store.client("east", new_east) as east:
        for _ in range(200):
            east.incr("shipped")
            acknowledged += 1
    for region in ("west", "apac"):
        for node in store.regions[region]["nodes"]:
            with store.client(region, node) as c:
                wait_until(lambda c=c: c.get("shipped") == str(acknowledged).encode(), 30,
                           f"{region}/{node} holding exactly {acknowledged} increments")


def test_the_metrics_endpoint_reports_each_peer_regions_link_lag_and_bytes(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 1, "west": 1}, metrics=True)
    try:
        store.start_all()
        store.wait_for_leaders()
        with store.client("east") as east:
            for i in range(50):
                east.set(f"m{i}", "x" * 100)
        url = f"http://127.0.0.1:{store.metrics_ports[('east', 'e1')]}/metrics"

        def scrape():
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                return response.read().decode()
        text = wait_until(lambda: (lambda t: t if 'tern_peer_link_up{region="east",peer="west"} 1' in t else None)(
            scrape()), CONVERGE_S, "east's metrics showing the link to west up")
        sent = [line for line in text.splitlines() if line.startswith("tern_peer_wire_bytes_sent_total")]
        assert sent and int(sent[0].split()[-1]) > 0
        assert "# TYPE tern_peer_lag_ms gauge" in text
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.replace("/metrics", "/other"), timeout=5)
        assert refused.value.code == 404
    finally:
        store.stop()


def test_publish_reaches_subscribers_on_every_node_of_every_region_once(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 3, "west": 2})
    try:
        store.start_all()
        leaders = store.wait_for_leaders(30)
        for region, node in leaders.items():
            wait_until(lambda r=region, n=node: store.peer_links_up(r, n), 30, f"{region}'s links up")
        subscribers = {}
        for (region, node) in store.servers:
            client = store.client(region, node)
            pubsub = client.pubsub()
            pubsub.subscribe("news")
            assert pubsub.get_message(timeout=5)["type"] == "subscribe"
            subscribers[(region, node)] = (client, pubsub)
        east_follower = next(n for n in store.regions["east"]["nodes"] if n != leaders["east"])
        with store.client("east", east_follower) as publisher:
            assert publisher.publish("news", "from an east follower") == 1  # its own subscriber

        def received(pubsub):
            messages = []
            while True:
                message = pubsub.get_message(timeout=0.2)
                if message is None:
                    return messages
                if message["type"] == "message":
                    messages.append(message["data"])
        for key, (client, pubsub) in subscribers.items():
            got = wait_until(lambda p=pubsub: received(p) or None, 10, f"the message at {key}")
            # Polling until nothing more comes: a second copy would arrive well within this.
            got += received(pubsub)
            assert got == [b"from an east follower"], key
        for client, pubsub in subscribers.values():
            pubsub.close()
            client.close()
    finally:
        store.stop()


def test_a_region_that_stays_away_never_holds_back_writes_or_grows_memory_past_the_bound(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 1, "west": 1}, extra=["--shipping-retention-bytes", "1mb"])
    try:
        store.start_all()
        store.wait_for_leaders()
        wait_until(lambda: store.peer_links_up("east", "e1"), CONVERGE_S, "east's link to west up")
        store.kill("west", "w1")
        with store.client("east") as east:
            value = "v" * 1000
            for start in range(0, 4000, 200):  # about 4 MB of ops for a region that is away
                pipe = east.pipeline(transaction=False)
                for i in range(start, start + 200):
                    pipe.set(f"away:{i}", value)
                assert all(pipe.execute())
            info = east.info("replication")
            assert info["tern_shipping_retained_bytes"] <= 1024 * 1024
            peer = info["tern_peer_region0"]
            assert peer["link"] == "down"
            assert peer["needs_snapshot"] == 1  # it misses ops no longer retained: reported
            assert east.get("away:3999") == value.encode()
    finally:
        store.stop()


def test_tombstones_are_dropped_on_every_node_once_every_region_has_seen_the_deletes(tmp_path):
    store = GlobalDatastore(tmp_path, {"east": 3, "west": 1}, extra=["--shipping-gc-interval", "200"])
    try:
        store.start_all()
        leaders = store.wait_for_leaders(30)
        wait_until(lambda: store.peer_links_up("east", leaders["east"]), CONVERGE_S, "east's links up")
        store.kill("west", "w1")  # while west has not seen the deletes, nothing may be dropped
        with store.client("east", leaders["east"]) as east:
            for i in range(50):
                east.incr(f"gone:{i}")  # a deleted counter keeps the sums its delete saw
            east.delete(*[f"gone:{i}" for i in range(50)])
            assert east.dbsize() == 0

        def stored(region, node):
            with store.client(region, node) as c:
                return c.info("stats")["tern_crdt_stored_keys"]
        for node in store.regions["east"]["nodes"]:
            wait_until(lambda n=node: stored("east", n) == 50, CONVERGE_S, f"east/{node} holding 50 tombstones")
        with store.client("east", leaders["east"]) as east:
            wait_until(lambda: east.info("replication")["tern_peer_region0"]["pending_batches"] > 0, CONVERGE_S,
                       "the deletes waiting for west")
        # West's last acknowledgement predates the deletes: the stable vector cannot cover them.
        assert stored("east", leaders["east"]) == 50
        store.start("west", "w1")
        nodes = [(r, n) for r, spec in store.regions.items() for n in spec["nodes"]]
        # Every node holds nothing but what it must: once both regions acknowledged the deletes,
        # the leaders' garbage-collection marks drop the tombstones on every node of both regions.
        for region, node in nodes:
            wait_until(lambda r=region, n=node: stored(r, n) == 0, CONVERGE_S, f"{region}/{node} without tombstones")
        with store.client("east", leaders["east"]) as east:
            assert east.info("stats")["tern_crdt_garbage_collections"] >= 1
            east.set("gone:1", "again")  # a key written after its tombstone went is a new key
        with store.client("west") as west:
            wait_until(lambda: west.get("gone:1") == b"again", CONVERGE_S, "the new write in west")
    finally:
        store.stop()
