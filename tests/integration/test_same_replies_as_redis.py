"""Differential tests: the same command scripts run against Debian's redis-server 7 (the
anchor) and tern-server must get the same replies, errors included, in RESP2 and RESP3.

Each case starts from an empty server. Replies whose order Redis leaves unspecified (set
members, hash fields, KEYS) are compared as sorted collections.
"""
import pytest

from resp_client import RespConnection

UNORDERED = {"SMEMBERS", "SUNION", "SINTER", "SDIFF", "KEYS", "HKEYS", "HVALS", "HGETALL"}

CASES = {
    "strings: GET/SET with every option and its errors": [
        ["SET", "k", "v"], ["GET", "k"], ["GET", "missing"],
        ["SET", "k", "v2", "NX"], ["SET", "k", "v2", "XX"], ["GET", "k"],
        ["SET", "n", "1", "XX"], ["SET", "k", "v3", "GET"], ["SET", "nx", "a", "NX", "GET"],
        ["SET", "k", "v", "NX", "XX"], ["SET", "k", "v", "EX"], ["SET", "k", "v", "EX", "0"],
        ["SET", "k", "v", "EX", "-5"], ["SET", "k", "v", "EX", "abc"], ["SET", "k", "v", "PX", "100", "EX", "1"],
        ["SET", "k", "v", "KEEPTTL", "EX", "10"], ["SET", "k", "v", "FOO"], ["SET", "k"],
        ["SET", "k", "v", "EX", "9223372036854775807"],
        ["SET", "k", "v", "EX", "100"], ["TTL", "k"], ["SET", "k", "w", "KEEPTTL"], ["TTL", "k"],
        ["SET", "k", "x"], ["TTL", "k"], ["SETNX", "k", "y"], ["SETNX", "fresh", "y"], ["GET", "fresh"],
        ["SETEX", "se", "0", "v"], ["SETEX", "se", "100", "v"], ["TTL", "se"], ["PSETEX", "pe", "100000", "v"],
        ["PTTL", "nothing"], ["GETSET", "k", "z"], ["GETSET", "new", "z"], ["GETDEL", "k"], ["GETDEL", "k"],
        ["GETEX", "new", "EX", "100"], ["TTL", "new"], ["GETEX", "new", "PERSIST"], ["TTL", "new"],
        ["GETEX", "new", "EX", "1", "PX", "1"], ["GETEX", "missing"],
    ],
    "strings: MGET, MSET, MSETNX, APPEND, STRLEN, GETRANGE, SETRANGE": [
        ["MSET", "a", "1", "b", "2"], ["MGET", "a", "b", "c"], ["MSET", "a"], ["MSET", "a", "1", "b"],
        ["MSETNX", "a", "x", "z", "y"], ["MSETNX", "y", "1", "z", "2"], ["MGET", "y", "z"],
        ["APPEND", "s", "hello"], ["APPEND", "s", " world"], ["GET", "s"], ["STRLEN", "s"], ["STRLEN", "none"],
        ["GETRANGE", "s", "0", "4"], ["GETRANGE", "s", "-5", "-1"], ["GETRANGE", "s", "5", "2"],
        ["GETRANGE", "s", "-1", "-5"], ["GETRANGE", "s", "0", "100"], ["GETRANGE", "none", "0", "1"],
        ["GETRANGE", "s", "a", "1"], ["SUBSTR", "s", "0", "2"],
        ["SETRANGE", "s", "6", "there"], ["GET", "s"], ["SETRANGE", "pad", "5", "x"], ["GET", "pad"],
        ["SETRANGE", "s", "-1", "x"], ["SETRANGE", "empty", "3", ""], ["EXISTS", "empty"],
        ["SADD", "set", "m"], ["APPEND", "set", "x"], ["GET", "set"], ["STRLEN", "set"], ["MGET", "set", "s"],
    ],
    "counters: INCR family, overflow and float formatting": [
        ["INCR", "c"], ["INCRBY", "c", "10"], ["DECR", "c"], ["DECRBY", "c", "3"], ["GET", "c"],
        ["INCRBY", "c", "abc"], ["INCRBY", "c", "1.5"], ["SET", "c", "9223372036854775807"], ["INCR", "c"],
        ["SET", "c", "-9223372036854775808"], ["DECR", "c"], ["DECRBY", "c", "-9223372036854775808"],
        ["SET", "t", "text"], ["INCR", "t"], ["SET", "sp", " 1"], ["INCR", "sp"], ["SET", "z", "010"], ["INCR", "z"],
        ["INCRBYFLOAT", "f", "0.1"], ["INCRBYFLOAT", "f", "0.2"], ["GET", "f"], ["INCRBYFLOAT", "f", "1e5"],
        ["INCRBYFLOAT", "f", "abc"], ["INCRBYFLOAT", "f", "inf"], ["SET", "g", "3.0"], ["INCRBYFLOAT", "g", "1"],
        ["INCRBYFLOAT", "h", "5.0e3"], ["INCRBYFLOAT", "t", "1"], ["SADD", "s", "1"], ["INCR", "s"],
        ["INCRBYFLOAT", "i", "-1.5"], ["INCRBYFLOAT", "i", "1.5"], ["GET", "i"],
    ],
    "keys: DEL, EXISTS, TYPE, RENAME, COPY, KEYS": [
        ["SET", "a", "1"], ["SADD", "s", "x", "y"], ["HSET", "h", "f", "v"],
        ["TYPE", "a"], ["TYPE", "s"], ["TYPE", "h"], ["TYPE", "none"], ["EXISTS", "a", "a", "none"],
        ["KEYS", "*"], ["KEYS", "?"], ["KEYS", "[ah]"], ["DEL", "a", "none"], ["DEL", "a"], ["UNLINK", "s"],
        ["TOUCH", "h", "none"], ["RENAME", "none", "x"], ["RENAME", "h", "h2"], ["HGETALL", "h2"], ["EXISTS", "h"],
        ["RENAMENX", "h2", "h2"], ["SET", "b", "2"], ["RENAMENX", "h2", "b"], ["RENAMENX", "h2", "h3"],
        ["RENAME", "h3", "h3"], ["COPY", "b", "b2"], ["GET", "b2"], ["COPY", "b", "b2"], ["SET", "b", "3"],
        ["COPY", "b", "b2", "REPLACE"], ["GET", "b2"], ["COPY", "b", "b"], ["COPY", "b", "x", "DB", "99"],
        ["COPY", "b", "x", "DB", "1"], ["COPY", "b", "x", "FOO"], ["DEL"],
    ],
    "keys: EXPIRE family with NX/XX/GT/LT, TTL, PERSIST": [
        ["SET", "k", "v"], ["TTL", "k"], ["PTTL", "k"], ["EXPIRETIME", "k"], ["TTL", "none"],
        ["EXPIRE", "k", "100", "XX"], ["EXPIRE", "k", "100", "NX"], ["TTL", "k"], ["EXPIRE", "k", "200", "NX"],
        ["EXPIRE", "k", "50", "GT"], ["EXPIRE", "k", "500", "GT"], ["TTL", "k"], ["EXPIRE", "k", "600", "LT"],
        ["EXPIRE", "k", "60", "LT"], ["TTL", "k"], ["EXPIRE", "k", "10", "NX", "XX"], ["EXPIRE", "k", "10", "GT", "LT"],
        ["EXPIRE", "k", "10", "FOO"], ["EXPIRE", "k", "abc"], ["EXPIRE", "k", "9223372036854775807"],
        ["PERSIST", "k"], ["PERSIST", "k"], ["TTL", "k"], ["EXPIRE", "k", "10", "LT"], ["TTL", "k"],
        ["PERSIST", "none"], ["EXPIRE", "none", "10"], ["PEXPIRE", "k", "100000"], ["EXPIREAT", "k", "4102444800"],
        ["EXPIRETIME", "k"], ["PEXPIRETIME", "k"], ["PEXPIREAT", "k", "4102444800000"], ["PEXPIRETIME", "k"],
        ["EXPIRE", "k", "-1"], ["EXISTS", "k"], ["SET", "p", "v"], ["EXPIREAT", "p", "1"], ["GET", "p"],
    ],
    "hashes: every command and its errors": [
        ["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a", "3"], ["HSET", "h", "a"], ["HGET", "h", "a"],
        ["HGET", "h", "none"], ["HGET", "none", "a"], ["HMGET", "h", "a", "b", "c"], ["HGETALL", "h"],
        ["HKEYS", "h"], ["HVALS", "h"], ["HLEN", "h"], ["HEXISTS", "h", "a"], ["HEXISTS", "h", "z"],
        ["HSTRLEN", "h", "a"], ["HSETNX", "h", "a", "x"], ["HSETNX", "h", "n", "x"], ["HMSET", "h", "m", "1"],
        ["HINCRBY", "h", "a", "5"], ["HINCRBY", "h", "n", "1"], ["HINCRBY", "h", "c", "x"],
        ["HINCRBYFLOAT", "h", "fl", "1.5"], ["HINCRBYFLOAT", "h", "n", "1"], ["HINCRBYFLOAT", "h", "fl", "x"],
        ["HSET", "h", "big", "9223372036854775807"], ["HINCRBY", "h", "big", "1"],
        ["HDEL", "h", "a", "none"], ["HDEL", "h", "b", "n", "m", "c", "fl", "big"], ["HLEN", "h"], ["EXISTS", "h"],
        ["SET", "s", "v"], ["HSET", "s", "a", "1"], ["HGET", "s", "a"], ["HGETALL", "s"], ["HDEL", "s", "a"],
        ["HRANDFIELD", "none"], ["HRANDFIELD", "none", "3"], ["HSCAN", "none", "0"],
        ["HSET", "one", "f", "v"], ["HRANDFIELD", "one"], ["HRANDFIELD", "one", "2"],
        ["HRANDFIELD", "one", "-2", "WITHVALUES"], ["HSCAN", "one", "0"], ["HSCAN", "one", "0", "MATCH", "f*"],
        ["HSCAN", "one", "x"],
    ],
    "sets: every command and its errors": [
        ["SADD", "s", "a", "b", "c"], ["SADD", "s", "a"], ["SREM", "s", "a", "z"], ["SMEMBERS", "s"],
        ["SISMEMBER", "s", "b"], ["SISMEMBER", "s", "a"], ["SMISMEMBER", "s", "a", "b"], ["SCARD", "s"],
        ["SCARD", "none"], ["SADD", "t", "b", "d"], ["SINTER", "s", "t"], ["SUNION", "s", "t"], ["SDIFF", "s", "t"],
        ["SINTERSTORE", "i", "s", "t"], ["SMEMBERS", "i"], ["SUNIONSTORE", "u", "s", "t"], ["SCARD", "u"],
        ["SDIFFSTORE", "d", "s", "t"], ["SMEMBERS", "d"], ["SINTERSTORE", "i", "s", "none"], ["EXISTS", "i"],
        ["SINTERCARD", "2", "s", "t"], ["SINTERCARD", "2", "s", "t", "LIMIT", "1"], ["SINTERCARD", "0", "s"],
        ["SINTERCARD", "3", "s", "t"], ["SINTERCARD", "2", "s", "t", "LIMIT", "-1"],
        ["SMOVE", "s", "t", "c"], ["SMOVE", "s", "t", "none"], ["SMEMBERS", "t"], ["SET", "str", "v"],
        ["SADD", "str", "a"], ["SMEMBERS", "str"], ["SINTER", "s", "str"], ["SMOVE", "s", "str", "b"],
        ["SPOP", "none"], ["SPOP", "s", "-1"], ["SRANDMEMBER", "none"], ["SRANDMEMBER", "none", "5"],
        ["SSCAN", "t", "0", "MATCH", "c"], ["SSCAN", "t", "0", "COUNT", "0"],
        ["SADD", "one", "x"], ["SPOP", "one"], ["EXISTS", "one"],
    ],
    "sorted sets: ZADD options, ranges, ranks, pops and their errors": [
        ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZADD", "z", "NX", "XX", "1", "a"], ["ZADD", "z", "GT", "LT", "1", "a"],
        ["ZADD", "z", "NX", "GT", "1", "a"], ["ZADD", "z", "INCR", "1", "a", "2", "b"], ["ZADD", "z", "x", "a"],
        ["ZADD", "z", "1"], ["ZADD", "z", "CH", "5", "a", "9", "d"], ["ZADD", "z", "GT", "CH", "1", "a"],
        ["ZADD", "z", "LT", "CH", "1", "a"], ["ZADD", "z", "XX", "INCR", "1", "nope"], ["ZADD", "z", "INCR", "2.5", "a"],
        ["ZSCORE", "z", "a"], ["ZSCORE", "z", "nope"], ["ZMSCORE", "z", "a", "nope"], ["ZCARD", "z"], ["ZCARD", "none"],
        ["ZINCRBY", "z", "0.1", "b"], ["ZINCRBY", "z", "x", "b"], ["ZINCRBY", "z", "1", "new"],
        ["ZRANGE", "z", "0", "-1"], ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["ZRANGE", "z", "-2", "-1", "REV"],
        ["ZRANGE", "z", "(1", "5", "BYSCORE", "WITHSCORES"], ["ZRANGE", "z", "5", "(1", "BYSCORE", "REV"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"], ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
        ["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"], ["ZRANGE", "z", "x", "y", "BYSCORE"], ["ZRANGE", "z", "a", "b", "BYLEX"],
        ["ZRANGE", "z", "0", "-1", "FOO"], ["ZREVRANGE", "z", "0", "1", "WITHSCORES"], ["ZRANGEBYSCORE", "z", "2", "+inf"],
        ["ZREVRANGEBYSCORE", "z", "+inf", "2", "WITHSCORES", "LIMIT", "0", "2"], ["ZCOUNT", "z", "(2", "9"],
        ["ZCOUNT", "z", "a", "9"], ["ZRANK", "z", "c"], ["ZREVRANK", "z", "c"], ["ZRANK", "z", "nope"],
        ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d"], ["ZRANGEBYLEX", "lex", "[b", "(d"],
        ["ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "1", "2"], ["ZLEXCOUNT", "lex", "-", "+"], ["ZLEXCOUNT", "lex", "b", "c"],
        ["ZRANGESTORE", "dst", "z", "0", "1"], ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["ZREMRANGEBYLEX", "lex", "[a", "[b"], ["ZREMRANGEBYRANK", "z", "0", "0"], ["ZREMRANGEBYSCORE", "z", "9", "9"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "2"], ["ZPOPMIN", "z", "-1"],
        ["ZPOPMIN", "none"], ["ZREM", "z", "new", "nope"], ["ZCARD", "z"], ["EXISTS", "z"],
        ["ZADD", "u1", "1", "a", "2", "b"], ["ZADD", "u2", "10", "b", "20", "c"], ["SADD", "plain", "a", "c"],
        ["ZUNIONSTORE", "out", "2", "u1", "u2"], ["ZRANGE", "out", "0", "-1", "WITHSCORES"],
        ["ZINTERSTORE", "out", "2", "u1", "u2", "WEIGHTS", "2", "3", "AGGREGATE", "MAX"], ["ZRANGE", "out", "0", "-1", "WITHSCORES"],
        ["ZDIFFSTORE", "out", "2", "u1", "u2"], ["ZUNION", "3", "u1", "u2", "plain", "WITHSCORES"],
        ["ZINTER", "2", "u1", "plain"], ["ZDIFF", "2", "u2", "u1", "WITHSCORES"], ["ZUNION", "0", "u1"],
        ["ZUNION", "2", "u1"], ["ZUNIONSTORE", "out", "1", "u1", "WEIGHTS", "x"], ["ZUNION", "1", "u1", "AGGREGATE", "AVG"],
        ["SET", "str", "v"], ["ZADD", "str", "1", "a"], ["ZUNION", "2", "u1", "str"], ["ZRANGE", "str", "0", "-1"],
        ["ZSCAN", "u1", "0"], ["ZRANDMEMBER", "none"], ["ZADD", "one", "5", "only"], ["ZRANDMEMBER", "one", "-2", "WITHSCORES"],
    ],
    "connection: PING, ECHO, SELECT, unknown commands, arity": [
        ["PING"], ["PING", "hi"], ["PING", "a", "b"], ["ECHO", "x"], ["ECHO"], ["SELECT", "1"], ["SET", "k", "1"],
        ["SELECT", "0"], ["GET", "k"], ["SELECT", "16"], ["SELECT", "x"], ["SELECT", "-1"],
        ["NOSUCHCOMMAND"], ["NOSUCHCOMMAND", "a", "b"], ["GET"], ["get", "a", "b"], ["CLIENT", "SETNAME", "a b"],
        ["CLIENT", "SETNAME", "conn1"], ["CLIENT", "GETNAME"], ["CLIENT", "NOSUCH"], ["CLIENT", "SETNAME"], ["CONFIG", "FOO"],
        ["AUTH", "x"], ["HELLO", "4"], ["HELLO", "x"],
    ],
    "transactions: MULTI/EXEC/DISCARD and queued errors": [
        ["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["EXEC"], ["EXEC"], ["DISCARD"], ["MULTI"], ["MULTI"],
        ["SET", "a"], ["EXEC"], ["MULTI"], ["SET", "b", "x"], ["INCR", "b"], ["GET", "b"], ["EXEC"],
        ["MULTI"], ["WATCH", "a"], ["DISCARD"], ["WATCH", "a"], ["UNWATCH"],
    ],
    "server: DBSIZE, FLUSHDB, FLUSHALL, CONFIG errors": [
        ["SET", "a", "1"], ["DBSIZE"], ["FLUSHDB"], ["DBSIZE"], ["SET", "a", "1"], ["FLUSHALL", "ASYNC"],
        ["DBSIZE"], ["FLUSHALL", "FOO"], ["CONFIG", "GET", "maxmemory"], ["CONFIG", "SET", "maxmemory", "abc"],
        ["CONFIG", "SET", "nosuchoption", "1"], ["CONFIG", "GET", "nosuch*"], ["OBJECT", "ENCODING", "none"],
        ["SET", "n", "12"], ["OBJECT", "ENCODING", "n"], ["SET", "s", "short"], ["OBJECT", "ENCODING", "s"],
        ["SET", "long", "x" * 50], ["OBJECT", "ENCODING", "long"], ["HSET", "h", "f", "v"], ["OBJECT", "ENCODING", "h"],
        ["SADD", "ints", "1", "2"], ["OBJECT", "ENCODING", "ints"], ["SADD", "strs", "a"], ["OBJECT", "ENCODING", "strs"],
        ["ZADD", "z", "1", "a"], ["OBJECT", "ENCODING", "z"], ["OBJECT", "FREQ", "z"], ["OBJECT", "REFCOUNT", "none"],
        ["MEMORY", "USAGE", "none"], ["SLOWLOG", "GET", "-2"], ["COMMAND", "GETKEYS", "GET", "k"],
        ["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"], ["COMMAND", "INFO", "nosuch"],
    ],
}


def normalize(command, reply):
    name = command[0].upper()
    kind, payload = reply
    if name in UNORDERED and isinstance(payload, list):
        if name == "HGETALL" and kind == "*":
            pairs = sorted(zip(payload[0::2], payload[1::2]))
            return (kind, [x for pair in pairs for x in pair])
        if kind == "%":
            return (kind, sorted(payload))
        return (kind, sorted(payload))
    if name in ("SSCAN", "HSCAN") and kind == "*" and payload and isinstance(payload[1][1], list):
        return (kind, [payload[0], (payload[1][0], sorted(payload[1][1]))])
    return reply


def run_script(port, script, protocol):
    conn = RespConnection(port)
    try:
        conn.command("FLUSHALL")
        if protocol == 3:
            conn.command("HELLO", "3")
        return [normalize(cmd, conn.command(*cmd)) for cmd in script]
    finally:
        conn.close()


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("case", sorted(CASES))
def test_replies_match_redis(case, protocol, tern, anchor):
    script = CASES[case]
    expected = run_script(anchor.port, script, protocol)
    got = run_script(tern.port, script, protocol)
    differences = [f"{cmd}: redis={e!r} tern={g!r}" for cmd, e, g in zip(script, expected, got) if e != g]
    assert not differences, "\n".join(differences)
