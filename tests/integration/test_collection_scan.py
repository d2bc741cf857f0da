"""HSCAN, SSCAN and ZSCAN page through large collections with a cursor, as Redis does for its
hashtable and skiplist encodings: each call returns about COUNT elements, so one call never
walks a million-member collection, and the SCAN guarantee holds (every element present for
the whole iteration is returned at least once, even while the collection changes). Small
collections come whole from the first call, as Redis's listpack and intset ones do."""
import pytest


def scan_page(client, command, key, cursor, count, match=None):
    """One call; returns (next cursor, member names)."""
    method = {"HSCAN": client.hscan, "SSCAN": client.sscan, "ZSCAN": client.zscan}[command]
    cursor, items = method(key, cursor, match=match, count=count)
    if command == "HSCAN":
        return int(cursor), [field.decode() for field in items]
    if command == "ZSCAN":
        return int(cursor), [member.decode() for member, _score in items]
    return int(cursor), [member.decode() for member in items]


def iterate(client, command, key, count, match=None, between_pages=None):
    """Runs a full scan; returns (pages, elements seen) where elements are member names."""
    cursor, pages, seen = 0, 0, []
    while True:
        cursor, names = scan_page(client, command, key, cursor, count, match)
        pages += 1
        seen += names
        if cursor == 0:
            return pages, seen
        if between_pages:
            between_pages(pages)
        assert pages < 100000, "the scan does not end"


def fill(client, command, key, names):
    pipe = client.pipeline(transaction=False)
    for i, name in enumerate(names):
        if command == "HSCAN":
            pipe.hset(key, name, f"v{i}")
        elif command == "SSCAN":
            pipe.sadd(key, name)
        else:
            pipe.zadd(key, {name: i})
    pipe.execute()


@pytest.mark.parametrize("command", ["HSCAN", "SSCAN", "ZSCAN"])
def test_large_collection_scan_pages_and_returns_every_element(command, tern):
    client = tern.client()
    names = [f"member:{i}" for i in range(5000)]
    fill(client, command, "big", names)
    pages, seen = iterate(client, command, "big", 50)
    assert set(seen) == set(names)
    # About 50 per page: many pages, none of them the whole collection.
    assert pages >= 20, pages
    assert len(seen) <= len(names) * 1.1  # duplicates only around table resizes


@pytest.mark.parametrize("command", ["HSCAN", "SSCAN", "ZSCAN"])
def test_scan_returns_elements_present_throughout_while_the_collection_changes(command, tern):
    client = tern.client()
    stable = [f"stable:{i}" for i in range(2000)]
    fill(client, command, "big", stable)
    churn = iter(range(10**6))

    def change(_page):
        # Grow the collection (forcing table growth) and remove earlier additions.
        added = [f"new:{next(churn)}" for _ in range(60)]
        fill(client, command, "big", added)
        remove = {"HSCAN": client.hdel, "SSCAN": client.srem, "ZSCAN": client.zrem}[command]
        remove("big", *added[:30])

    _, seen = iterate(client, command, "big", 20, between_pages=change)
    assert set(stable) <= set(seen)


@pytest.mark.parametrize("command", ["HSCAN", "SSCAN", "ZSCAN"])
def test_scan_match_filters_each_page(command, tern):
    client = tern.client()
    names = [f"a:{i}" for i in range(1000)] + [f"b:{i}" for i in range(1000)]
    fill(client, command, "big", names)
    _, seen = iterate(client, command, "big", 100, match="b:*")
    assert set(seen) == {n for n in names if n.startswith("b:")}


@pytest.mark.parametrize("command", ["HSCAN", "SSCAN", "ZSCAN"])
def test_small_collection_comes_whole_from_any_cursor_like_redis(command, tern, anchor):
    names = [str(i) for i in range(20)]  # integers: an intset for Redis's SSCAN too
    replies = []
    for server in (anchor, tern):
        client = server.client()
        fill(client, command, "small", names)
        cursor, names = scan_page(client, command, "small", 7, 2)
        replies.append((cursor, sorted(names)))
    assert replies[0] == replies[1] == (0, sorted(names))
