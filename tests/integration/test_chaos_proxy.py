"""tern-chaos-proxy over real processes: the proxy in front of redis-server (and tern-server
for pass-through), clients through it with redis-py or raw sockets, faults set over its RESP
control port. Waits poll with deadlines; the only timed parts are the latency and throughput
measurements, whose bounds leave room for a busy two-core machine."""
import os
import re
import select
import socket
import statistics
import subprocess
import time

import pytest
import redis

from chaos_proxy import CHAOS_PROXY, ChaosProxy
from conftest import start_redis, start_tern, wait_until
from resp_client import RespConnection

# A reply that has not come within this long is taken to be lost (blackhole, half-open).
SILENCE_S = 0.5


@pytest.fixture
def target(tmp_path):
    server = start_redis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def proxy(tmp_path, target):
    running = ChaosProxy.start(tmp_path, {"a": target.port}, "--seed=1")
    yield running
    running.stop_cleanly()


def through(proxy, **kwargs):
    kwargs.setdefault("socket_timeout", 10)
    return redis.Redis(port=proxy.port("a"), **kwargs)


def round_trips(client, count):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.ping()
        times.append(time.perf_counter() - started)
    return times


def nothing_arrives(connection, within_s):
    """True if neither bytes nor EOF nor RST arrive on a RespConnection within `within_s`."""
    readable, _, _ = select.select([connection.sock], [], [], within_s)
    return not readable


def reset_by_peer(connection, timeout_s=5):
    """True if the connection's next read ends in ECONNRESET (an RST), not EOF or data."""
    connection.sock.settimeout(timeout_s)
    try:
        while True:
            if not connection.sock.recv(65536):
                return False
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("server_kind", ["redis-server", "tern-server"])
def test_pass_through_carries_commands_and_large_values_both_ways(tmp_path, server_kind):
    server = start_redis(tmp_path) if server_kind == "redis-server" else start_tern(tmp_path)
    proxy = ChaosProxy.start(tmp_path, {"a": server.port})
    try:
        client = through(proxy)
        assert client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"
        big = bytes(range(256)) * 4096  # 1 MiB, every byte value
        assert client.set("big", big)
        assert client.get("big") == big
        pipe = client.pipeline(transaction=False)
        for i in range(1000):
            pipe.incr("counter")
        assert pipe.execute()[-1] == 1000
        assert server.client().get("counter") == b"1000"
        link = proxy.link("a")
        assert link["up_bytes"] > len(big) and link["down_bytes"] > len(big)
        assert link["accepted"] == 1 and link["connections"] == 1
        assert link["up_dropped"] == 0 and link["down_dropped"] == 0 and link["state"] == "ok"
        client.connection_pool.disconnect()  # redis-py 4.3's close() keeps pooled sockets
        wait_until(lambda: proxy.link("a")["connections"] == 0, 5, "the connection to close")
    finally:
        proxy.stop_cleanly()
        server.stop()


def test_delay_adds_the_configured_latency_to_each_direction(proxy, target):
    direct = round_trips(target.client(), 50)
    client = through(proxy)
    before = round_trips(client, 50)
    assert proxy.control("DELAY", "a", "both", 35) == "OK"
    # The same connection, opened before the fault, gets it at once.
    delayed = round_trips(client, 40)
    print(f"\nRTT ms direct median {statistics.median(direct) * 1e3:.2f}, through proxy median "
          f"{statistics.median(before) * 1e3:.2f}, DELAY both 35: min {min(delayed) * 1e3:.2f} "
          f"median {statistics.median(delayed) * 1e3:.2f} max {max(delayed) * 1e3:.2f}")
    assert min(delayed) >= 2 * 0.035
    assert statistics.median(delayed) < 2 * 0.035 + 0.050
    link = proxy.link("a")
    assert link["up_delay_ms"] == 35 and link["down_delay_ms"] == 35 and link["state"] == "faulty"
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z control: DELAY a both 35\n",
                     proxy.log_text())

    assert proxy.control("DELAY", "a", "down", 0) == "OK"
    one_way = round_trips(client, 20)
    assert min(one_way) >= 0.035
    assert statistics.median(one_way) < 0.035 + 0.050


def test_delay_jitter_spreads_latency_within_its_bounds(proxy):
    client = through(proxy)
    assert proxy.control("DELAY", "a", "up", 30, 20) == "OK"
    times = round_trips(client, 60)
    print(f"\nDELAY up 30 jitter 20: RTT ms min {min(times) * 1e3:.2f} "
          f"max {max(times) * 1e3:.2f}")
    assert min(times) >= 0.010
    assert statistics.median(times) < 0.050 + 0.050
    # Uniform over 10-50 ms: sixty samples do not all land in one 10 ms band.
    assert max(times) - min(times) > 0.010


def test_bandwidth_limits_the_throughput_of_a_large_value(proxy, target):
    value = b"v" * (512 * 1024)
    target.client().set("big", value)
    client = through(proxy)
    started = time.perf_counter()
    assert client.get("big") == value
    unlimited = time.perf_counter() - started
    assert proxy.control("BANDWIDTH", "a", "down", 256 * 1024) == "OK"
    started = time.perf_counter()
    assert client.get("big") == value
    limited = time.perf_counter() - started
    print(f"\n512 KiB GET: unlimited {unlimited:.3f} s, at 256 KiB/s {limited:.3f} s")
    assert limited >= 1.8  # 2 s at the limit, less at most one 20 ms burst
    assert limited < 4.0
    # The other direction is not limited: a 512 KiB SET goes up quickly.
    started = time.perf_counter()
    assert client.set("up", value)
    assert time.perf_counter() - started < 1.0


def test_backpressure_keeps_queued_bytes_under_the_cap(tmp_path, target):
    proxy = ChaosProxy.start(tmp_path, {"a": target.port}, "--max-buffer=65536")
    try:
        value = b"q" * (4 * 1024 * 1024)
        target.client().set("big", value)
        assert proxy.control("BANDWIDTH", "a", "down", 64 * 1024) == "OK"
        client = RespConnection(proxy.port("a"))
        client.send_raw(RespConnection.encode(["GET", "big"]))
        peak = 0
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            link = proxy.link("a")
            peak = max(peak, link["down_queued"])
            time.sleep(0.05)
        assert link["down_bytes"] > 0
        # The cap, plus one read that may land on top of it.
        assert 0 < peak < 65536 + 16 * 1024
        client.close()
    finally:
        proxy.stop_cleanly()


def test_stall_holds_every_byte_until_it_ends(proxy):
    client = through(proxy)
    client.ping()
    assert proxy.control("STALL", "a", "down", 500) == "OK"
    started = time.perf_counter()
    client.ping()
    stalled = time.perf_counter() - started
    assert 0.4 <= stalled < 2.0
    # A one-time stall is over: the link is fast again.
    assert statistics.median(round_trips(client, 10)) < 0.050


def test_periodic_stall_recurs_and_lets_requests_through_between_stalls(proxy):
    client = through(proxy)
    assert proxy.control("STALL", "a", "up", 200, "EVERY", 1000) == "OK"
    started = time.perf_counter()
    samples = []  # (seconds from the command to the reply, round trip)
    while time.perf_counter() - started < 2.5:
        sent = time.perf_counter()
        client.ping()
        answered = time.perf_counter()
        samples.append((answered - started, answered - sent))
    # A request that meets a stall was sent just before it began; its reply comes as it ends.
    slow_in_period = {int(at) for at, rtt in samples if rtt > 0.050}
    fast = [rtt for _, rtt in samples if rtt < 0.010]
    # Stalls start at 0 s, 1 s and 2 s: requests meet one in each of those seconds...
    assert slow_in_period == {0, 1, 2}
    # ...and in between most go straight through.
    assert len(fast) > len(samples) // 2
    assert max(rtt for _, rtt in samples) < 0.2 + 0.150


def test_blackhole_swallows_requests_and_keeps_connections_open(proxy, target):
    existing = RespConnection(proxy.port("a"))
    assert existing.command("PING") == ("+", "PONG")
    assert proxy.control("BLACKHOLE", "a", "on") == "OK"

    existing.send_raw(RespConnection.encode(["SET", "swallowed", "1"]))
    assert nothing_arrives(existing, SILENCE_S)  # no reply, no EOF, no RST: just silence
    assert target.client().get("swallowed") is None

    # A new connection is accepted, and its requests vanish the same way.
    new = RespConnection(proxy.port("a"))
    new.send_raw(RespConnection.encode(["PING"]))
    assert nothing_arrives(new, SILENCE_S)
    with pytest.raises(redis.TimeoutError):
        through(proxy, socket_timeout=SILENCE_S).ping()
    link = wait_until(lambda: (lambda l: l["up_dropped"] > 0 and l)(proxy.link("a")), 5,
                      "dropped bytes to be counted")
    assert link["state"] == "blackhole" and link["connections"] >= 2
    assert link["up_bytes"] == len(RespConnection.encode(["PING"]))

    assert proxy.control("BLACKHOLE", "a", "off") == "OK"
    # The connection accepted during the blackhole never reached the target: it is reset.
    assert reset_by_peer(new)
    assert through(proxy).ping()
    existing.close()


def test_halfopen_up_drops_requests_while_the_target_still_reaches_the_client(proxy, target):
    subscriber = RespConnection(proxy.port("a"))
    assert subscriber.command("SUBSCRIBE", "news")[1][0] == ("$", b"subscribe")
    assert proxy.control("HALFOPEN", "a", "up") == "OK"

    # Up is dead: the subscriber's PING never reaches redis, so no pong comes back.
    subscriber.send_raw(RespConnection.encode(["PING"]))
    assert nothing_arrives(subscriber, SILENCE_S)
    wait_until(lambda: proxy.link("a")["up_dropped"] > 0, 5, "the PING to be dropped")
    # Down still flows: a message published directly on redis reaches the subscriber.
    assert target.client().publish("news", "still here") == 1
    assert subscriber.read_reply() == ("*", [("$", b"message"), ("$", b"news"),
                                              ("$", b"still here")])
    assert proxy.link("a")["up_halfopen"] == "on"

    assert proxy.control("HALFOPEN", "a", "up", "off") == "OK"
    subscriber.send_raw(RespConnection.encode(["PING"]))
    assert subscriber.read_reply() == ("*", [("$", b"pong"), ("$", b"")])
    subscriber.close()


def test_halfopen_down_runs_writes_whose_replies_vanish(proxy, target):
    client = RespConnection(proxy.port("a"))
    assert client.command("PING") == ("+", "PONG")
    assert proxy.control("HALFOPEN", "a", "down") == "OK"
    client.send_raw(RespConnection.encode(["SET", "written", "yes"]))
    # The write reaches redis...
    wait_until(lambda: target.client().get("written") == b"yes", 5, "the SET to reach redis")
    # ...but its +OK does not come back.
    assert nothing_arrives(client, SILENCE_S)
    wait_until(lambda: proxy.link("a")["down_dropped"] >= len(b"+OK\r\n"), 5,
               "the reply to be dropped")
    client.close()


def test_reset_gives_current_clients_a_connection_reset_and_keeps_accepting(proxy):
    first = RespConnection(proxy.port("a"))
    second = RespConnection(proxy.port("a"))
    assert first.command("PING") == ("+", "PONG")
    assert second.command("PING") == ("+", "PONG")
    assert proxy.control("RESET", "a") == "OK"
    assert reset_by_peer(first)
    assert reset_by_peer(second)
    assert proxy.link("a")["reset"] == 2
    assert through(proxy).ping()


def test_cut_refuses_new_connections_and_heal_restores_the_same_port(proxy):
    existing = RespConnection(proxy.port("a"))
    assert existing.command("PING") == ("+", "PONG")
    assert proxy.control("CUT", "a") == "OK"
    assert reset_by_peer(existing)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port("a")), timeout=5)
    with pytest.raises(redis.ConnectionError):
        through(proxy).ping()
    assert proxy.link("a")["state"] == "cut"

    assert proxy.control("HEAL", "a") == "OK"
    assert through(proxy).ping()
    link = proxy.link("a")
    assert link["state"] == "ok" and link["listen"] == f"127.0.0.1:{proxy.port('a')}"


def test_clear_lifts_every_fault_at_once(proxy):
    for command in (["DELAY", "a", "both", 200], ["BANDWIDTH", "a", "both", 100],
                    ["STALL", "a", "up", 100, "EVERY", 300], ["HALFOPEN", "a", "down"],
                    ["BLACKHOLE", "a", "on"], ["CUT", "a"]):
        assert proxy.control(*command) == "OK"
    assert proxy.control("CLEAR", "*") == "OK"
    client = through(proxy)
    assert statistics.median(round_trips(client, 10)) < 0.050
    link = proxy.link("a")
    assert link["state"] == "ok" and link["up_delay_ms"] == 0 and link["down_halfopen"] == "off"


def test_target_down_resets_the_client_and_counts_a_connect_failure(tmp_path):
    unused_port = start_redis(tmp_path)
    port = unused_port.port
    unused_port.stop()
    proxy = ChaosProxy.start(tmp_path, {"a": port})
    try:
        client = RespConnection(proxy.port("a"))
        assert reset_by_peer(client)
        assert proxy.link("a")["connect_failures"] == 1
    finally:
        proxy.stop_cleanly()


def test_control_port_refuses_bad_commands_and_stays_up(proxy):
    with pytest.raises(redis.ResponseError, match="no such link 'b'"):
        proxy.control("DELAY", "b", "up", 1)
    with pytest.raises(redis.ResponseError, match="direction must be up, down or both"):
        proxy.control("DELAY", "a", "left", 1)
    with pytest.raises(redis.ResponseError, match="unknown command"):
        proxy.control("FLUSHALL")
    assert "HELP (or COMMANDS" in " ".join(proxy.control("COMMANDS"))
    # Garbage on the control port gets a protocol error and a close, not a crash.
    raw = RespConnection(proxy.control_port)
    raw.send_raw(b"*1\r\n$-5\r\n")
    assert raw.read_reply()[0] == "-"
    assert raw.closed_by_peer()
    raw = RespConnection(proxy.control_port)
    assert raw.command("PING") == ("+", "PONG")
    assert raw.command("PING", "hello") == ("$", b"hello")
    assert proxy.process.poll() is None


@pytest.mark.parametrize("argv, message", [
    ([], "give at least one --link"),
    (["--link", "a=127.0.0.1:0-"], "bad link"),
    (["--link", "a=127.0.0.1:0->127.0.0.1:1"], "give the control address"),
    (["--link", "a=127.0.0.1:0->127.0.0.1:1", "--control", "127.0.0.1:99999"], "bad port"),
    (["--frobnicate"], "--frobnicate needs a value"),
    (["--config", "/nonexistent/chaos.conf"], "cannot read config file"),
])
def test_bad_command_lines_exit_with_a_message(argv, message):
    result = subprocess.run([CHAOS_PROXY, *argv], capture_output=True, text=True, timeout=10,
                            check=False)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_listen_port_in_use_is_reported(tmp_path, target):
    result = subprocess.run(
        [CHAOS_PROXY, f"--link=a=127.0.0.1:{target.port}->127.0.0.1:{target.port}",
         "--control=127.0.0.1:0"], capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 1
    assert "cannot listen on" in result.stderr


def test_config_file_gives_links_and_control(tmp_path, target):
    config = tmp_path / "chaos.conf"
    config.write_text(f"# one link\nlink a=127.0.0.1:0->127.0.0.1:{target.port}\n"
                      "control 127.0.0.1:0\n")
    proxy = ChaosProxy.start(tmp_path, {}, f"--config={config}")
    try:
        assert redis.Redis(port=proxy.port("a"), socket_timeout=10).ping()
    finally:
        proxy.stop_cleanly()


def test_faults_toggled_under_traffic_never_break_the_proxy(proxy, target):
    """Random faults flip while clients connect, send, read and hang up; afterwards the proxy
    still answers, CLEAR gives a clean link, and no connection is left behind."""
    import random
    import threading

    seed = int(os.environ.get("TERN_CHAOS_SEED", random.randrange(1 << 32)))
    print(f"\nchaos churn seed {seed} (replay the fault sequence with TERN_CHAOS_SEED={seed})")
    chooser = random.Random(seed)
    faults = [["DELAY", "a", "both", 5, 5], ["DELAY", "a", "up", 0], ["BANDWIDTH", "a", "down", 50000],
              ["BANDWIDTH", "a", "both", 0], ["STALL", "a", "down", 30], ["STALL", "a", "up", 20, "EVERY", 50],
              ["RESET", "a"], ["BLACKHOLE", "a", "on"], ["BLACKHOLE", "a", "off"], ["HALFOPEN", "a", "up"],
              ["HALFOPEN", "a", "both", "off"], ["CUT", "a"], ["HEAL", "a"], ["CLEAR", "a"]]
    stop = threading.Event()

    def client_loop(index):
        value = b"x" * (1 + index * 7000)
        while not stop.is_set():
            try:
                c = redis.Redis(port=proxy.port("a"), socket_timeout=0.2, socket_connect_timeout=0.2)
                c.set(f"k{index}", value)
                c.get(f"k{index}")
                c.connection_pool.disconnect()
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                pass  # faults make requests fail; the proxy surviving them is the point

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            proxy.control(*chooser.choice(faults))
            time.sleep(chooser.uniform(0, 0.05))  # pacing of the fault flips, not a wait
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert proxy.control("CLEAR", "a") == "OK"
    assert through(proxy).set("after", "churn")
    assert target.client().get("after") == b"churn"
    wait_until(lambda: proxy.link("a")["connections"] <= 1, 10, "churned connections to close")
    link = proxy.link("a")
    print(f"accepted {link['accepted']} reset {link['reset']} up {link['up_bytes']} "
          f"dropped {link['up_dropped']}+{link['down_dropped']}")
    assert link["accepted"] > 20  # there was churn to survive
    assert proxy.process.poll() is None


def test_tls_passes_through_as_opaque_bytes_and_pays_the_delay(tmp_path):
    """A TLS 1.3 handshake and 256 KiB of application data through a delayed link: the proxy
    does not look at the bytes, so certificate checks pass end to end."""
    import shutil
    import ssl
    import threading

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost"], check=True, capture_output=True, timeout=30)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.minimum_version = ssl.TLSVersion.TLSv1_3
    server_context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))

    def echo_one_connection():
        connection, _ = listener.accept()
        with server_context.wrap_socket(connection, server_side=True) as tls:
            while data := tls.recv(65536):
                tls.sendall(data)

    server = threading.Thread(target=echo_one_connection, daemon=True)
    server.start()
    proxy = ChaosProxy.start(tmp_path, {"tls": listener.getsockname()[1]})
    try:
        assert proxy.control("DELAY", "tls", "both", 20) == "OK"
        client_context = ssl.create_default_context(cafile=str(cert))
        raw = socket.create_connection(("127.0.0.1", proxy.port("tls")), timeout=10)
        started = time.perf_counter()
        with client_context.wrap_socket(raw, server_hostname="localhost") as tls:
            handshake = time.perf_counter() - started
            assert tls.version() == "TLSv1.3"
            payload = bytes(range(256)) * 1024
            tls.sendall(payload)
            echoed = b""
            while len(echoed) < len(payload):
                echoed += tls.recv(65536)
            assert echoed == payload
        # ClientHello up and ServerHello down: at least one delayed round trip.
        assert 0.040 <= handshake < 0.040 + 0.5
        link = proxy.link("tls")
        assert link["up_bytes"] > len(payload) and link["down_bytes"] > len(payload)
    finally:
        proxy.stop_cleanly()
        listener.close()
        server.join(timeout=10)


def test_heal_reports_a_port_taken_during_the_cut_and_the_link_stays_cut(proxy):
    port = proxy.port("a")
    assert proxy.control("DELAY", "a", "up", 10) == "OK"
    assert proxy.control("CUT", "a") == "OK"
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", port))
    squatter.listen()
    try:
        with pytest.raises(redis.ResponseError, match="cannot listen on"):
            proxy.control("CLEAR", "a")
        link = proxy.link("a")
        # Still cut, but CLEAR lifted everything else.
        assert link["state"] == "cut" and link["up_delay_ms"] == 0
    finally:
        squatter.close()
    assert proxy.control("HEAL", "a") == "OK"
    assert through(proxy).ping()
    assert proxy.link("a")["state"] == "ok"
