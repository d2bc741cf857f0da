"""Sorted-set ranks and ranges come from tern's score index (O(log n) per step). This proves
the index answers exactly as redis-server does: a seeded random mix of writes (ZADD with
ties, ZINCRBY, ZREM, ZPOPMIN/ZPOPMAX, ZREMRANGEBY*) and reads (ZRANK, ZREVRANK, ZRANGE by
rank, score and lex, forward and REV, with LIMIT and WITHSCORES, ZCOUNT, ZLEXCOUNT) runs on
both servers, in RESP2 and RESP3, and every reply must be byte-identical."""
import random

import pytest

from resp_client import RespConnection

MEMBERS = [f"m{i:03d}" for i in range(400)]


def score_bound(rng):
    choice = rng.random()
    if choice < 0.1:
        return rng.choice(["-inf", "+inf"])
    text = str(rng.randint(-30, 30) / 2)
    return "(" + text if rng.random() < 0.3 else text


def lex_bound(rng):
    choice = rng.random()
    if choice < 0.15:
        return rng.choice(["-", "+"])
    return rng.choice("[(") + rng.choice(MEMBERS)[: rng.randint(1, 4)]


def limit(rng):
    if rng.random() < 0.5:
        return []
    return ["LIMIT", str(rng.randint(-1, 20)), str(rng.randint(-2, 30))]


def random_command(rng, key):
    """One command on `key`; scores are halves in [-15, 15] so ties are common."""
    r = rng.random()
    member = rng.choice(MEMBERS)
    if r < 0.25:
        pairs = []
        for _ in range(rng.randint(1, 5)):
            pairs += [str(rng.randint(-30, 30) / 2), rng.choice(MEMBERS)]
        return ["ZADD", key] + rng.choice([[], ["GT"], ["LT"], ["CH"]]) + pairs
    if r < 0.32:
        return ["ZINCRBY", key, str(rng.randint(-6, 6) / 2), member]
    if r < 0.38:
        return ["ZREM", key, member, rng.choice(MEMBERS)]
    if r < 0.40:
        return [rng.choice(["ZPOPMIN", "ZPOPMAX"]), key, str(rng.randint(1, 3))]
    if r < 0.41:
        return ["ZREMRANGEBYRANK", key, str(rng.randint(-20, 20)), str(rng.randint(-20, 20))]
    if r < 0.42:
        return ["ZREMRANGEBYSCORE", key, score_bound(rng), score_bound(rng)]
    if r < 0.50:
        return [rng.choice(["ZRANK", "ZREVRANK"]), key, member]
    if r < 0.60:
        start, stop = rng.randint(-50, 50), rng.randint(-50, 50)
        return ["ZRANGE", key, str(start), str(stop)] + rng.choice([[], ["REV"]]) + rng.choice([[], ["WITHSCORES"]])
    if r < 0.75:
        low, high = score_bound(rng), score_bound(rng)
        if rng.random() < 0.5:
            return ["ZRANGE", key, low, high, "BYSCORE"] + rng.choice([[], ["REV"]]) + limit(rng) + ["WITHSCORES"]
        name = rng.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"])
        return [name, key, low, high] + rng.choice([[], ["WITHSCORES"]]) + limit(rng)
    if r < 0.82:
        return ["ZCOUNT", key, score_bound(rng), score_bound(rng)]
    return None  # a lex command, on the equal-score key


def random_lex_command(rng):
    r = rng.random()
    if r < 0.3:
        return ["ZADD", "lex", "0", rng.choice(MEMBERS)]
    if r < 0.4:
        return ["ZREM", "lex", rng.choice(MEMBERS)]
    if r < 0.45:
        return ["ZREMRANGEBYLEX", "lex", lex_bound(rng), lex_bound(rng)]
    if r < 0.6:
        return ["ZLEXCOUNT", "lex", lex_bound(rng), lex_bound(rng)]
    low, high = lex_bound(rng), lex_bound(rng)
    if rng.random() < 0.5:
        return ["ZRANGE", "lex", low, high, "BYLEX"] + rng.choice([[], ["REV"]]) + limit(rng)
    return [rng.choice(["ZRANGEBYLEX", "ZREVRANGEBYLEX"]), "lex", low, high] + limit(rng)


def script(seed, length):
    rng = random.Random(seed)
    commands = [["ZADD", "z"] + [x for m in MEMBERS[:200] for x in (str(rng.randint(-30, 30) / 2), m)]]
    commands.append(["ZADD", "lex"] + [x for m in MEMBERS[:200] for x in ("0", m)])
    while len(commands) < length:
        command = random_command(rng, "z")
        commands.append(command if command is not None else random_lex_command(rng))
    return commands


def replies(port, commands, protocol):
    conn = RespConnection(port)
    try:
        conn.command("FLUSHALL")
        if protocol == 3:
            conn.command("HELLO", "3")
        return [conn.command(*c) for c in commands]
    finally:
        conn.close()


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sorted_set_ranks_and_ranges_match_redis(seed, protocol, tern, anchor):
    commands = script(seed, 1500)
    expected = replies(anchor.port, commands, protocol)
    got = replies(tern.port, commands, protocol)
    for command, e, g in zip(commands, expected, got):
        assert e == g, f"seed {seed}: {command}: redis={e!r} tern={g!r}"
