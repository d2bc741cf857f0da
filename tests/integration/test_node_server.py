"""tern-server as an operator sees it: configuration file and overrides, CONFIG SET/GET/
REWRITE, INFO fields, the slow log and latency monitor, and maxmemory with every policy."""
import os
import subprocess

import pytest

from conftest import TERN_SERVER, free_port, wait_until
from resp_client import RespConnection


def test_bad_config_line_stops_startup_naming_the_line(tmp_path):
    conf = tmp_path / "tern.conf"
    conf.write_text("# comment\nport 7000\nmaxmemory lots\n")
    result = subprocess.run([TERN_SERVER, str(conf)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "line 3" in result.stderr and "maxmemory lots" in result.stderr


def test_unknown_directive_stops_startup(tmp_path):
    result = subprocess.run([TERN_SERVER, "--no-such-directive", "1"], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "no-such-directive" in result.stderr


def test_config_file_then_overrides_then_rewrite_keeps_comments(tmp_path, tern_factory):
    conf = tmp_path / "tern.conf"
    conf.write_text("# my cache\nmaxmemory-policy allkeys-lru\nhz 20\n")
    server = tern_factory(str(conf))  # --port/--bind come after the file, as overrides
    r = server.client(decode_responses=True)
    assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
    assert r.config_get("hz") == {"hz": "20"}
    assert r.config_set("hz", 15) is True
    assert r.config_set("hash-max-ziplist-entries", 256) is True  # old name of a no-op knob
    assert r.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "256"}
    assert r.config_rewrite() in (True, "OK")  # redis-py 4.3 returns the raw status
    text = conf.read_text()
    assert text.startswith("# my cache\n")
    assert "hz 15" in text and "hz 20" not in text


def test_config_set_is_atomic_and_reports_redis_errors(tern):
    conn = RespConnection(tern.port)
    assert conn.command("CONFIG", "SET", "hz", "30", "maxmemory", "nope")[0] == "-"
    assert conn.command("CONFIG", "GET", "hz") == ("*", [("$", b"hz"), ("$", b"10")])
    conn.close()


def test_info_has_redis_sections_and_fields(tern):
    r = tern.client(decode_responses=True)
    r.set("k", "v", ex=100)
    r.get("k")
    r.get("missing")
    info = r.info("everything")
    for field in ("redis_version", "tcp_port", "uptime_in_seconds", "connected_clients", "used_memory",
                  "used_memory_rss", "maxmemory_policy", "total_commands_processed", "instantaneous_ops_per_sec",
                  "keyspace_hits", "keyspace_misses", "expired_keys", "evicted_keys", "role", "used_cpu_sys",
                  "loading", "rdb_changes_since_last_save", "cmdstat_get", "db0"):
        assert field in info, field
    assert info["tcp_port"] == tern.port
    assert info["keyspace_hits"] >= 1 and info["keyspace_misses"] >= 1
    assert info["db0"]["keys"] == 1 and info["db0"]["expires"] == 1
    assert info["cmdstat_get"]["calls"] == 2


def test_slowlog_and_latency_monitor_record_slow_commands(tern):
    r = tern.client()
    r.config_set("slowlog-log-slower-than", 0)
    r.config_set("latency-monitor-threshold", 1)
    r.set("a", "b")
    entries = r.slowlog_get(10)
    assert any(e["command"] == b"SET a b" for e in entries)
    r.config_set("slowlog-log-slower-than", -1)
    r.slowlog_reset()
    r.set("c", "d")
    assert r.slowlog_len() == 0
    # A 10,000-member union takes over a millisecond: the latency monitor records it.
    r.sadd("big", *range(20000))
    r.sunionstore("copy", "big")
    wait_until(lambda: len(r.execute_command("LATENCY", "LATEST")) == 1, 5, "a latency event")


def test_pidfile_is_written_and_removed(tmp_path, tern_factory):
    pidfile = tmp_path / "tern.pid"
    server = tern_factory("--pidfile", str(pidfile))
    assert int(pidfile.read_text()) == server.process.pid
    server.stop()
    assert not pidfile.exists()


def test_logfile_receives_log_lines(tmp_path, tern_factory):
    logfile = tmp_path / "tern.log"
    server = tern_factory("--logfile", str(logfile), "--loglevel", "verbose")
    assert "Ready to accept connections" in logfile.read_text()
    server.client().shutdown(nosave=True)
    server.process.wait(timeout=10)
    assert "ready to exit" in logfile.read_text()


def test_noeviction_refuses_writes_over_maxmemory(tern_factory):
    server = tern_factory("--maxmemory", "4mb", "--maxmemory-policy", "noeviction")
    conn = RespConnection(server.port)
    value = b"x" * 1000
    reply = ("+", "OK")
    for i in range(20000):
        reply = conn.command("SET", f"key:{i}", value)
        if reply[0] == "-":
            break
    assert reply == ("-", "OOM command not allowed when used memory > 'maxmemory'.")
    assert conn.command("GET", "key:0") == ("$", value)  # reads still work
    assert conn.command("DEL", "key:0") == (":", "1")  # and deletes
    conn.close()


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
                                    "volatile-random", "volatile-ttl"])
def test_eviction_policy_keeps_memory_under_maxmemory(tern_factory, policy):
    limit = 8 * 1024 * 1024
    server = tern_factory("--maxmemory", str(limit), "--maxmemory-policy", policy)
    r = server.client()
    pipe = r.pipeline(transaction=False)
    volatile = policy.startswith("volatile")
    for i in range(30000):
        if volatile:
            pipe.set(f"key:{i}", "x" * 1000, ex=10000 + i)
        else:
            pipe.set(f"key:{i}", "x" * 1000)
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()
    info = r.info()
    assert info["evicted_keys"] > 0
    assert info["used_memory"] <= limit * 1.1
    assert r.dbsize() < 30000
    # The newest keys survive under LRU and TTL policies: eviction picked old ones.
    if policy in ("allkeys-lru", "volatile-lru", "volatile-ttl"):
        assert r.exists("key:29999") == 1


def test_rss_stays_within_ten_percent_of_maxmemory_plus_base(tern_factory):
    base_server = tern_factory()
    base_rss = base_server.client().info("memory")["used_memory_rss"]
    limit = 64 * 1024 * 1024
    server = tern_factory("--maxmemory", str(limit), "--maxmemory-policy", "allkeys-random")
    r = server.client()
    pipe = r.pipeline(transaction=False)
    for i in range(150000):
        pipe.set(f"key:{i:012d}", "v" * 512)
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    info = r.info("memory")
    assert r.info("stats")["evicted_keys"] > 0
    assert info["used_memory_rss"] <= limit * 1.1 + base_rss + 16 * 1024 * 1024, info
