"""Every region of a global datastore takes writes, and the region leaders ship their committed
writes to each other over mutual TLS (peer-regions): what is written in one region is read in
the others, concurrent increments in several regions add up exactly, and a region that was down
catches up when it returns."""
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
        wait_until(lambda: east.info("replication")["tern_peer_region0"]["pending_batches"] == 0, CONVERGE_S,
                   "east's outbox drained")
        info = east.info("replication")["tern_peer_region0"]
        assert info["connects"] >= 2  # the link was resumed
        assert info["lag_ms"] == 0
