"""tern-server with real clients: redis-py (RESP2 and RESP3), redis-cli, raw sockets,
pipelining, pub/sub across connections, transactions with WATCH, expiry, and bad input."""
import resource
import socket
import subprocess
import threading
import time

import pytest
import redis

from conftest import REDIS_CLI, wait_until
from resp_client import RespConnection


def test_redis_py_round_trips_every_family(tern):
    r = tern.client(decode_responses=True)
    assert r.set("greeting", "hello") is True
    assert r.get("greeting") == "hello"
    assert r.incrby("hits", 5) == 5
    assert r.hset("user:1", mapping={"name": "ada", "visits": "1"}) == 2
    assert r.hincrby("user:1", "visits", 2) == 3
    assert r.sadd("tags", "a", "b", "c") == 3
    assert r.smembers("tags") == {"a", "b", "c"}
    assert r.expire("greeting", 100) is True
    assert 0 < r.ttl("greeting") <= 100
    assert r.type("tags") == "set"


def test_resp3_client_gets_maps_sets_and_nulls(tern):
    # Debian's redis-py 4.3 speaks RESP2 only; RESP3 is checked on the wire.
    r = tern.client(decode_responses=True)
    r.hset("h", mapping={"f": "v"})
    r.sadd("s", "x")
    conn = RespConnection(tern.port)
    hello = conn.command("HELLO", "3")
    assert hello[0] == "%"
    fields = {k[1]: v for k, v in hello[1]}
    assert fields[b"proto"] == (":", "3")
    assert conn.command("GET", "missing") == ("_", "")
    assert conn.command("SMEMBERS", "s") == ("~", [("$", b"x")])
    assert conn.command("HGETALL", "h") == ("%", [(("$", b"f"), ("$", b"v"))])
    conn.close()


def test_pipeline_of_ten_thousand_commands_answers_in_order(tern):
    r = tern.client()
    pipe = r.pipeline(transaction=False)
    for i in range(10000):
        pipe.set(f"key:{i}", i)
    for i in range(10000):
        pipe.get(f"key:{i}")
    results = pipe.execute()
    assert results[:10000] == [True] * 10000
    assert results[10000:] == [str(i).encode() for i in range(10000)]


def test_raw_pipeline_in_one_packet_and_byte_by_byte(tern):
    conn = RespConnection(tern.port)
    batch = b"".join(RespConnection.encode(["INCR", "c"]) for _ in range(1000))
    conn.send_raw(batch)
    replies = [conn.read_reply() for _ in range(1000)]
    assert replies[-1] == (":", "1000")
    request = RespConnection.encode(["SET", "split", "value with \r\n inside"])
    for byte in request:
        conn.send_raw(bytes([byte]))
    assert conn.read_reply() == ("+", "OK")
    assert conn.command("GET", "split") == ("$", b"value with \r\n inside")
    conn.close()


def test_pipelined_batches_keep_order_across_select_and_mixed_commands(tern):
    """Requests run in batches after key prefetches; a SELECT or a write inside a batch must
    still affect the requests after it, exactly as one at a time."""
    conn = RespConnection(tern.port)
    requests = []
    for i in range(200):
        requests += [["SELECT", str(i % 3)], ["INCR", "n"], ["SET", f"k{i}", str(i)], ["GET", f"k{i}"]]
    conn.send_raw(b"".join(RespConnection.encode(r) for r in requests))
    replies = [conn.read_reply() for _ in requests]
    counts = {0: 0, 1: 0, 2: 0}
    for i in range(200):
        counts[i % 3] += 1
        assert replies[4 * i : 4 * i + 4] == [("+", "OK"), (":", str(counts[i % 3])), ("+", "OK"), ("$", str(i).encode())]
    conn.close()


def test_pipelined_auth_decides_the_limits_of_the_requests_after_it(tern_factory):
    """Redis refuses a request with more than 10 arguments from a client that has not
    authenticated. Pipelined in one packet, the request after a successful AUTH is accepted and
    the one after a failed AUTH is a protocol error, as if each ran alone."""
    server = tern_factory("--requirepass", "s3cret")
    big = ["MSET"] + [x for i in range(6) for x in (f"k{i}", "v")]  # 13 arguments
    ok = RespConnection(server.port)
    ok.send_raw(RespConnection.encode(["AUTH", "s3cret"]) + RespConnection.encode(big))
    assert ok.read_reply() == ("+", "OK")
    assert ok.read_reply() == ("+", "OK")
    ok.close()
    refused = RespConnection(server.port)
    refused.send_raw(RespConnection.encode(["AUTH", "wrong"]) + RespConnection.encode(big))
    assert refused.read_reply()[0] == "-"
    assert refused.read_reply() == ("-", "ERR Protocol error: unauthenticated multibulk length")
    refused.close()


def test_inline_commands_work_like_telnet(tern):
    with socket.create_connection(("127.0.0.1", tern.port)) as s:
        s.sendall(b'SET inline "two words"\r\nGET inline\r\n')
        data = b""
        deadline = time.monotonic() + 5
        while b"two words" not in data and time.monotonic() < deadline:
            data += s.recv(4096)
    assert data == b"+OK\r\n$9\r\ntwo words\r\n"


def test_redis_cli_tour(tern):
    assert tern.cli("SET", "k", "v").strip() == "OK"
    assert tern.cli("GET", "k").strip() == "v"
    assert tern.cli("INCR", "n").strip() == "1"
    assert tern.cli("PING").strip() == "PONG"


def test_pubsub_delivers_across_connections_and_patterns(tern):
    subscriber = tern.client().pubsub()
    subscriber.subscribe("news")
    subscriber.psubscribe("ne*")
    wait_until(lambda: subscriber.get_message(timeout=0.1) is None and len(subscriber.channels) == 1, 5, "subscribe")
    publisher = tern.client()
    wait_until(lambda: publisher.pubsub_numsub("news")[0][1] == 1, 5, "subscription visible")
    assert publisher.publish("news", "hello") == 2
    received = []
    wait_until(lambda: received.extend(filter(None, [subscriber.get_message(timeout=0.1)])) or len(
        [m for m in received if m["type"] in ("message", "pmessage")]) >= 2, 5, "two deliveries")
    kinds = sorted(m["type"] for m in received if m["type"] in ("message", "pmessage"))
    assert kinds == ["message", "pmessage"]
    assert all(m["data"] == b"hello" for m in received if m["type"] in ("message", "pmessage"))
    assert publisher.pubsub_numpat() == 1
    subscriber.close()


def test_resp3_pubsub_messages_are_push_frames(tern):
    conn = RespConnection(tern.port)
    conn.command("HELLO", "3")
    assert conn.command("SUBSCRIBE", "ch") == (">", [("$", b"subscribe"), ("$", b"ch"), (":", "1")])
    assert conn.command("GET", "x") == ("_", "")  # RESP3 allows commands while subscribed
    other = tern.client()
    assert other.publish("ch", "m") == 1
    assert conn.read_reply() == (">", [("$", b"message"), ("$", b"ch"), ("$", b"m")])
    conn.close()


def test_resp2_subscriber_may_only_use_subscribe_commands(tern):
    conn = RespConnection(tern.port)
    conn.command("SUBSCRIBE", "ch")
    assert conn.command("GET", "x") == (
        "-", "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
             "allowed in this context")
    assert conn.command("PING") == ("*", [("$", b"pong"), ("$", b"")])
    conn.close()


def test_watch_aborts_exec_when_another_client_writes(tern):
    a = RespConnection(tern.port)
    b = tern.client()
    a.command("SET", "balance", "10")
    assert a.command("WATCH", "balance") == ("+", "OK")
    b.set("balance", "20")
    a.command("MULTI")
    a.command("INCR", "balance")
    assert a.command("EXEC") == ("*", None)
    assert b.get("balance") == b"20"
    assert a.command("WATCH", "balance") == ("+", "OK")
    a.command("MULTI")
    a.command("INCR", "balance")
    assert a.command("EXEC") == ("*", [(":", "21")])
    a.close()


def test_watched_key_that_expires_aborts_exec(tern):
    a = RespConnection(tern.port)
    a.command("SET", "short", "1", "PX", "50")
    a.command("WATCH", "short")
    wait_until(lambda: tern.client().exists("short") == 0, 5, "expiry")
    a.command("MULTI")
    a.command("SET", "short", "2")
    assert a.command("EXEC") == ("*", None)
    a.close()


def test_keys_expire_actively_without_being_read(tern):
    r = tern.client()
    for i in range(50):
        r.set(f"temp:{i}", "v", px=100)
    r.set("kept", "v")
    # Nobody reads the keys: only active expiry can remove them; DBSIZE reports live keys,
    # INFO's expired_keys counts what expiry removed.
    wait_until(lambda: int(r.info("stats")["expired_keys"]) >= 50, 10, "active expiry of 50 keys")
    assert r.dbsize() == 1


def test_protocol_error_gets_redis_text_then_close(tern):
    conn = RespConnection(tern.port)
    conn.send_raw(b"*1\r\n$x\r\n")
    assert conn.read_reply() == ("-", "ERR Protocol error: invalid bulk length")
    assert conn.closed_by_peer()
    conn.close()
    # ...and the server keeps serving others.
    assert tern.client().ping() is True


def test_unbalanced_quotes_inline_is_a_protocol_error(tern):
    conn = RespConnection(tern.port)
    conn.send_raw(b'SET a "unbalanced\r\n')
    assert conn.read_reply() == ("-", "ERR Protocol error: unbalanced quotes in request")
    assert conn.closed_by_peer()
    conn.close()


def test_query_buffer_limit_closes_the_client(tern_factory):
    server = tern_factory("--client-query-buffer-limit", "1mb")
    conn = RespConnection(server.port)
    conn.send_raw(b"*2\r\n$3\r\nSET\r\n$2000000\r\n" + b"x" * 1100000)
    assert conn.closed_by_peer()
    conn.close()
    assert server.client().ping() is True


def test_requirepass_demands_auth(tern_factory):
    server = tern_factory("--requirepass", "s3cret")
    conn = RespConnection(server.port)
    assert conn.command("GET", "k") == ("-", "NOAUTH Authentication required.")
    assert conn.command("AUTH", "wrong") == ("-", "WRONGPASS invalid username-password pair or user is disabled.")
    assert conn.command("AUTH", "s3cret") == ("+", "OK")
    assert conn.command("GET", "k") == ("$", None)
    conn.close()
    hello = RespConnection(server.port)
    assert hello.command("HELLO", "3", "AUTH", "default", "s3cret")[0] == "%"
    assert hello.command("PING") == ("+", "PONG")
    hello.close()
    assert server.client(password="s3cret").ping() is True


def test_maxclients_refuses_extra_connections(tern_factory):
    server = tern_factory("--maxclients", "5")
    held = [RespConnection(server.port) for _ in range(5)]
    for c in held:
        assert c.command("PING") == ("+", "PONG")
    extra = RespConnection(server.port)
    assert extra.read_reply() == ("-", "ERR max number of clients reached")
    for c in held + [extra]:
        c.close()


def test_idle_clients_time_out(tern_factory):
    server = tern_factory("--timeout", "1")
    conn = RespConnection(server.port)
    conn.command("PING")
    assert conn.closed_by_peer(timeout_s=10)
    conn.close()


def test_shutdown_command_stops_the_server(tern_factory):
    server = tern_factory()
    conn = RespConnection(server.port)
    conn.send_raw(RespConnection.encode(["SHUTDOWN"]))
    assert server.process.wait(timeout=10) == 0
    conn.close()


def test_sigterm_stops_cleanly(tern_factory):
    server = tern_factory()
    server.process.terminate()
    assert server.process.wait(timeout=10) == 0
    assert "ready to exit" in server.log_text()


def test_ten_thousand_connections_are_held(tern_factory):
    # This test process holds 10,000 sockets too: raise its own descriptor limit first.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 10100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    server = tern_factory("--maxclients", "10010")  # 10,000 held + the observer
    sockets = []
    try:
        for _ in range(10000):
            sockets.append(socket.create_connection(("127.0.0.1", server.port)))
        r = server.client()
        wait_until(lambda: int(r.info("clients")["connected_clients"]) >= 10000, 30, "10000 clients")
        last = sockets[-1]
        last.sendall(b"PING\r\n")
        assert last.recv(16) == b"+PONG\r\n"
    finally:
        for s in sockets:
            s.close()


def test_redis_benchmark_default_suite_runs_without_errors(tern):
    # redis-benchmark's default suite minus the list tests (tern has no lists; README says so).
    tests = "ping,set,get,incr,sadd,hset,spop,zadd,zpopmin,mset"
    result = subprocess.run(["redis-benchmark", "-p", str(tern.port), "-n", "2000", "-q", "-t", tests],
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "rror" not in output, output
    for test in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN",
                 "MSET (10 keys)"):
        assert f"{test}:" in output, output


def test_pubsub_client_over_output_limit_is_disconnected(tern_factory):
    server = tern_factory("--client-output-buffer-limit", "pubsub 256kb 128kb 60")
    slow = RespConnection(server.port)
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that falls behind
    slow.command("SUBSCRIBE", "firehose")
    publisher = server.client()
    payload = "x" * 10000
    # The subscriber never reads: once the kernel buffers fill, its pending output passes the
    # hard limit and tern closes it, as Redis does; the publisher is unaffected.
    wait_until(lambda: publisher.publish("firehose", payload) == 0, 30, "the slow subscriber to be dropped")
    assert int(publisher.info("stats")["client_output_buffer_limit_disconnections"]) >= 1
    assert publisher.ping() is True
    slow.close()


def test_client_kill_closes_others_and_itself_after_replying(tern):
    victims = [RespConnection(tern.port) for _ in range(3)]
    for v in victims:
        v.command("CLIENT", "SETNAME", "victim")
    killer = RespConnection(tern.port)
    ids = [int(v.command("CLIENT", "ID")[1]) for v in victims]
    assert killer.command("CLIENT", "KILL", "ID", str(ids[0])) == (":", "1")
    assert victims[0].closed_by_peer()
    address = [line for line in tern.client().client_list() if line["id"] == str(ids[1])][0]["addr"]
    assert killer.command("CLIENT", "KILL", address) == ("+", "OK")
    assert victims[1].closed_by_peer()
    assert killer.command("CLIENT", "KILL", "SKIPME", "no") [0] == ":"  # everyone, itself included
    assert victims[2].closed_by_peer()
    assert killer.closed_by_peer()
    assert tern.client().ping() is True


def test_random_garbage_and_random_commands_never_crash_the_server(tern):
    import random
    rng = random.Random(20261123)
    words = [b"SET", b"GET", b"HSET", b"ZADD", b"ZRANGE", b"SADD", b"EXPIRE", b"MULTI", b"EXEC", b"SUBSCRIBE",
             b"CLIENT", b"CONFIG", b"OBJECT", b"GEOSEARCH", b"k", b"1", b"-1", b"inf", b"(", b"[a", b"BYSCORE",
             b"LIMIT", b"WITHSCORES", b"\x00", b"9223372036854775808", b"*", b"EX", b"0", b"nan", b"FROMLONLAT"]
    for round_ in range(200):
        with socket.create_connection(("127.0.0.1", tern.port)) as s:
            s.settimeout(5)
            if round_ % 2:
                s.sendall(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))))
            else:
                args = [rng.choice(words) for _ in range(rng.randint(1, 8))]
                s.sendall(RespConnection.encode(args))
            s.shutdown(socket.SHUT_WR)  # end of input: the server answers what it can, then closes
            try:
                while s.recv(65536):
                    pass
            except ConnectionResetError:
                pass
    assert tern.client().ping() is True
    assert tern.process.poll() is None


def test_scan_walks_a_growing_keyspace_with_cursors(tern):
    r = tern.client()
    for i in range(5000):
        r.set(f"early:{i}", i)
    seen = set()
    cursor, steps = 0, 0
    while True:
        cursor, keys = r.scan(cursor=cursor, count=100)
        seen.update(keys)
        steps += 1
        if steps == 5:  # the table grows mid-scan; keys present all along must still appear
            for i in range(20000):
                r.set(f"late:{i}", i)
        if cursor == 0:
            break
    assert steps > 10
    assert {f"early:{i}".encode() for i in range(5000)} <= seen
    matched = set()
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor=cursor, match="early:1*", count=500, _type="string")
        matched.update(keys)
        if cursor == 0:
            break
    assert matched == {k for k in (f"early:{i}".encode() for i in range(5000)) if k.startswith(b"early:1")}
