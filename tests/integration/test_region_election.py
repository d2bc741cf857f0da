"""A region of three real tern-server processes on loopback, linked by mutual TLS 1.3 with
certificates from tern-certs: they elect one leader, which ROLE and INFO replication report on
every node; killing the leader (kill -9) elects another among the survivors, and the killed
node, restarted with its durable term and vote, rejoins as a follower. Peer links refuse a
certificate from another CA, and a misconfigured region stops startup with a message."""
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis

from conftest import TERN_SERVER, ServerProcess, wait_until

TERN_CERTS = str(pathlib.Path(TERN_SERVER).parent / "tern-certs")
OFFSET = 10000
ELECTION_DEADLINE_S = 10.0


def port_pair_free(port):
    for p in (port, port + OFFSET):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def free_ports(n):
    """n client ports whose peer ports (port + OFFSET) are free too."""
    ports = []
    while len(ports) < n:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + OFFSET < 65536 and port not in ports and port_pair_free(port):
            ports.append(port)
    return ports


def make_certs(directory, *names, extra=()):
    subprocess.run([TERN_CERTS, "--dir", str(directory), *extra, *names], check=True, capture_output=True)


class Region:
    def __init__(self, tmp_path, size=3, certs=None):
        self.tmp = tmp_path
        self.names = [f"n{i + 1}" for i in range(size)]
        self.ports = free_ports(size)
        self.certs = certs or tmp_path / "certs"
        if certs is None:
            make_certs(self.certs, *[f"east/{n}" for n in self.names])
        self.nodes_text = " ".join(f"{n}=127.0.0.1:{p}" for n, p in zip(self.names, self.ports))
        self.servers = {}
        self.extra = []  # more tern-server arguments for every node (e.g. --region-ack local)

    def argv(self, name, certs=None):
        certs = certs or self.certs
        port = self.ports[self.names.index(name)]
        data = self.tmp / name
        data.mkdir(exist_ok=True)
        return [TERN_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
                "--region", "east", "--node-id", name, "--region-nodes", self.nodes_text,
                "--region-port-offset", str(OFFSET), "--loglevel", "verbose",
                "--region-tls-ca-file", str(certs / "ca.crt"),
                "--region-tls-cert-file", str(certs / f"{name}.east.crt"),
                "--region-tls-key-file", str(certs / f"{name}.east.key"), *self.extra]

    def start(self, name, certs=None):
        port = self.ports[self.names.index(name)]
        self.servers[name] = ServerProcess(self.argv(name, certs), port, str(self.tmp / f"{name}-{time.monotonic_ns()}.log"))
        return self.servers[name]

    def start_all(self):
        for name in self.names:
            self.start(name)

    def role(self, name):
        with self.servers[name].client() as r:
            return r.execute_command("ROLE")

    def leader(self, among=None):
        """The one node every running node agrees leads, or None."""
        among = among or list(self.servers)
        masters = [n for n in among if self.role(n)[0] == b"master"]
        if len(masters) != 1:
            return None
        leader = masters[0]
        port = self.ports[self.names.index(leader)]
        for n in among:
            if n == leader:
                continue
            role = self.role(n)
            if role[0] != b"slave" or int(role[2]) != port:
                return None
        return leader

    def info(self, name):
        with self.servers[name].client() as r:
            return r.info("replication")

    def kill(self, name):
        server = self.servers.pop(name)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        server.log.close()

    def stop(self):
        for server in self.servers.values():
            server.stop()


@pytest.fixture
def region(tmp_path):
    r = Region(tmp_path)
    yield r
    r.stop()


def test_three_nodes_elect_one_leader_over_mutual_tls_and_report_it(region):
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "one leader all nodes agree on")
    info = region.info(leader)
    assert info["role"] == "master"
    assert info["tern_region_role"] == "leader"
    assert info["tern_region_leader"] == leader
    assert info["connected_slaves"] == 2
    terms = {region.info(n)["tern_region_term"] for n in region.names}
    assert len(terms) == 1 and terms.pop() >= 1
    follower = next(n for n in region.names if n != leader)
    assert region.info(follower)["master_port"] == region.ports[region.names.index(leader)]
    master_role = region.role(leader)
    assert sorted(int(entry[1]) for entry in master_role[2]) == sorted(
        p for n, p in zip(region.names, region.ports) if n != leader)


def test_killing_the_leader_elects_another_and_the_restarted_node_rejoins(region):
    region.start_all()
    first = wait_until(region.leader, ELECTION_DEADLINE_S, "a first leader")
    term_before = region.info(first)["tern_region_term"]
    killed_at = time.monotonic()
    region.kill(first)
    survivors = [n for n in region.names if n != first]
    second = wait_until(lambda: region.leader(survivors), ELECTION_DEADLINE_S, "a leader among the survivors")
    elapsed = time.monotonic() - killed_at
    print(f"new leader {second} {elapsed * 1000:.0f} ms after kill -9 of {first}")
    assert second != first
    assert region.info(second)["tern_region_term"] > term_before
    # The killed node comes back with its durable term and vote and follows the new leader.
    state_file = region.tmp / first / f"tern-region-{first}.state"
    assert state_file.read_text().startswith("tern-hard-state 1 term=")
    region.start(first)
    agreed = wait_until(region.leader, ELECTION_DEADLINE_S, "all three agreeing on a leader again")
    # Its log is behind (entries are not yet durable), so it cannot have won; it follows.
    assert agreed != first
    assert region.role(first)[0] == b"slave"
    assert region.info(first)["tern_region_term"] > term_before  # the term never went back


def test_a_peer_with_a_certificate_from_another_ca_is_refused_and_logged(region, tmp_path):
    rogue = tmp_path / "rogue"
    make_certs(rogue, "east/n3")
    region.start("n1")
    region.start("n2")
    region.start("n3", certs=rogue)
    wait_until(lambda: region.leader(["n1", "n2"]), ELECTION_DEADLINE_S, "n1 and n2 electing a leader")
    wait_until(lambda: "not signed by the deployment CA" in region.servers["n1"].log_text()
               or "not signed by the deployment CA" in region.servers["n2"].log_text(),
               ELECTION_DEADLINE_S, "a refusal naming the wrong CA")
    # n3 can reach no one: it never learns who leads.
    assert region.info("n3")["tern_region_leader"] in ("", None)


def test_a_region_without_tls_files_or_with_an_unknown_node_id_does_not_start(tmp_path):
    region = Region(tmp_path)
    argv = region.argv("n1")
    without_tls = argv[: argv.index("--region-tls-ca-file")]
    result = subprocess.run(without_tls, capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
    assert "mutual TLS only" in result.stdout + result.stderr
    unknown = list(argv)
    unknown[unknown.index("--node-id") + 1] = "n9"
    result = subprocess.run(unknown, capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
    assert "node-id must name one of the region-nodes" in result.stdout + result.stderr
    bad = list(argv)
    bad[bad.index("--region-nodes") + 1] = "n1=127.0.0.1:notaport"
    result = subprocess.run(bad, capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
    assert "region-nodes items are name=host:port" in result.stdout + result.stderr


def followers_of(region, leader):
    return [n for n in region.servers if n != leader]


def test_writes_on_the_leader_reach_every_follower_through_the_region_log(region):
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    with region.servers[leader].client() as r:
        assert r.set("greeting", "hello") is True
        assert r.incrby("hits", 5) == 5
        assert r.incr("hits") == 6
        r.hset("user:1", mapping={"name": "ada", "visits": "3"})
        r.zadd("board", {"ann": 10, "bob": 20})
        r.sadd("tags", "a", "b")
        r.set("short", "lived", px=50)
    expected = {"greeting": b"hello", "hits": b"6"}
    for follower in followers_of(region, leader):
        client = region.servers[follower].client()

        def caught_up():
            return (all(client.get(k) == v for k, v in expected.items())
                    and client.hgetall("user:1") == {b"name": b"ada", b"visits": b"3"}
                    and client.zrange("board", 0, -1, withscores=True) == [(b"ann", 10.0), (b"bob", 20.0)]
                    and client.smembers("tags") == {b"a", b"b"})
        wait_until(caught_up, ELECTION_DEADLINE_S, f"{follower} applying the leader's writes")
        # The short-lived key expires everywhere: the leader's expiry travels as an op.
        wait_until(lambda: client.get("short") is None, ELECTION_DEADLINE_S, "the expiry reaching " + follower)
        info = client.info("replication")
        assert info["tern_region_applied_index"] >= 7
        client.close()


def test_a_follower_forwards_writes_to_the_leader_and_reads_its_own_writes(region):
    """Clients may write to any node: a follower sends the write to the leader, answers with
    the leader's reply once it has applied the write itself, and keeps the client's order."""
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    follower = followers_of(region, leader)[0]
    with region.servers[follower].client() as r:
        assert r.set("k", "v") is True
        assert r.get("k") == b"v"  # read your write, on the follower itself
        assert r.incr("n") == 1 and r.incrby("n", 41) == 42
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            r.hset("k", "f", "v")  # the leader's error reply comes back as it is
        pipe = r.pipeline(transaction=False)
        for i in range(50):
            pipe.set(f"p:{i}", i)
            pipe.get(f"p:{i}")
        replies = pipe.execute()
        assert replies == [x for i in range(50) for x in (True, str(i).encode())]
        r.execute_command("SELECT", 3)
        assert r.set("in-db-3", "x") is True
    with region.servers[leader].client(db=3) as r:
        assert r.get("in-db-3") == b"x"
    with region.servers[leader].client() as r:
        assert r.get("n") == b"42" and r.get("p:49") == b"49"
        assert r.info("stats")["tern_forwarded_writes"] == 0
    with region.servers[follower].client() as r:
        stats = r.info("stats")
        assert stats["tern_forwarded_writes"] >= 54  # SET, INCR, INCRBY, HSET, 50 SETs, SET
        assert stats["tern_crdt_ops_received"] >= 54
    with region.servers[follower].client() as r:
        # Inside MULTI a follower refuses writes, as a Redis replica does.
        pipe = r.pipeline(transaction=True)
        pipe.set("in-multi", "x")
        with pytest.raises((redis.ResponseError, redis.ReadOnlyError)):
            pipe.execute()


def test_a_write_to_a_node_that_reaches_no_leader_waits_region_write_wait_then_gets_tryagain(region):
    region.extra = ["--region-write-wait", "400"]
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    alone, other = followers_of(region, leader)
    region.kill(leader)
    region.kill(other)
    with region.servers[alone].client() as r:
        started = time.monotonic()
        with pytest.raises(redis.ResponseError, match="TRYAGAIN no leader .* within region-write-wait"):
            r.set("k", "v")
        assert time.monotonic() - started >= 0.4  # it waited for a leader before giving up
        assert int(r.info("replication")["tern_region_writes_waiting"]) == 0


def test_a_write_made_while_no_leader_exists_waits_and_succeeds_once_one_is_elected(region):
    region.extra = ["--region-write-wait", "30000"]
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    alone, other = followers_of(region, leader)
    region.kill(leader)
    region.kill(other)
    outcome = {}

    def write():
        with region.servers[alone].client() as r:
            try:
                outcome["reply"] = r.set("written-during-the-outage", "kept")
            except Exception as error:  # noqa: BLE001 - the test reports whatever came back
                outcome["reply"] = error

    writer = threading.Thread(target=write)
    writer.start()
    with region.servers[alone].client() as r:
        wait_until(lambda: int(r.info("replication")["tern_region_writes_waiting"]) == 1, 10,
                   "the write parked on the node that has no leader")
    assert "reply" not in outcome
    region.start(other)  # a majority again: a leader is elected and the write goes through
    writer.join(30)
    assert outcome.get("reply") is True
    for name in (alone, other):
        with region.servers[name].client() as r:
            wait_until(lambda: r.get("written-during-the-outage") == b"kept", 10, f"the write on {name}")


def test_a_follower_reports_its_own_progress_and_the_leader_every_nodes_lag(region):
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    with region.servers[leader].client() as r:
        r.set("x", "1")
        info = r.info("replication")
        assert all("match" in info[f"tern_region_node{i}"] for i in range(2))
    follower = followers_of(region, leader)[0]
    with region.servers[follower].client() as r:
        info = wait_until(lambda: (lambda i: i if int(i["slave_repl_offset"]) >= 2 else None)(
            r.info("replication")), 10, "the follower applying the write")
        assert 0 <= int(info["tern_region_leader_contact_ms_ago"]) < 5000
        assert int(info["master_last_io_seconds_ago"]) <= 5
        assert "match" not in info["tern_region_node0"]  # it cannot know the others'


def test_quorum_ack_never_acknowledges_a_write_a_majority_does_not_have(region):
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    followers = followers_of(region, leader)
    for f in followers:
        region.servers[f].process.send_signal(signal.SIGSTOP)
    try:
        with region.servers[leader].client() as r:
            with pytest.raises(Exception):
                # No majority: the reply is held, then the leader steps down (check-quorum)
                # and closes the connection instead of acknowledging.
                r.set("unacknowledged", "x")
    finally:
        for f in followers:
            region.servers[f].process.send_signal(signal.SIGCONT)
    wait_until(region.leader, ELECTION_DEADLINE_S, "a leader again after the pause")
    # The deposed leader had applied a write it could not commit: it rebuilt its keyspace from
    # its log. The write was never acknowledged, so it may or may not survive (its entry may
    # still reach the new leader, as in Raft), but every node ends up agreeing.
    assert "rebuilding its keyspace from the log" in region.servers[leader].log_text()

    def agreed():
        values = set()
        for name in region.names:
            with region.servers[name].client() as r:
                values.add(r.get("unacknowledged"))
        return len(values) == 1
    wait_until(agreed, ELECTION_DEADLINE_S, "every node agreeing on the unacknowledged write")


def test_local_ack_replies_at_once_without_a_majority(tmp_path):
    region = Region(tmp_path)
    try:
        for name in region.names:
            port = region.ports[region.names.index(name)]
            region.servers[name] = ServerProcess(region.argv(name) + ["--region-ack", "local"], port,
                                                 str(tmp_path / f"{name}.log"))
        leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
        followers = followers_of(region, leader)
        for f in followers:
            region.servers[f].process.send_signal(signal.SIGSTOP)
        try:
            with region.servers[leader].client() as r:
                assert r.set("acknowledged-locally", "x") is True
        finally:
            for f in followers:
                region.servers[f].process.send_signal(signal.SIGCONT)
    finally:
        region.stop()


def test_a_restarted_follower_catches_up_from_the_log(region):
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    follower = followers_of(region, leader)[0]
    with region.servers[leader].client() as r:
        for i in range(100):
            r.set(f"before:{i}", i)
    region.kill(follower)
    with region.servers[leader].client() as r:
        for i in range(100):
            r.set(f"during:{i}", i)  # a majority (leader + the other follower) still acknowledges
    region.start(follower)
    client = region.servers[follower].client()
    wait_until(lambda: client.dbsize() == 200, ELECTION_DEADLINE_S, "the restarted follower catching up")
    assert client.get("before:7") == b"7" and client.get("during:99") == b"99"
    client.close()


def test_redis_py_sentinel_finds_the_leader_and_keeps_working_across_a_failover(region):
    """Every node answers the Sentinel commands with the region name as the master name."""
    from redis.sentinel import Sentinel
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    sentinel = Sentinel([("127.0.0.1", p) for p in region.ports], socket_timeout=2)
    assert sentinel.discover_master("east") == ("127.0.0.1", region.ports[region.names.index(leader)])
    replicas = sorted(port for _, port in sentinel.discover_slaves("east"))
    assert replicas == sorted(p for n, p in zip(region.names, region.ports) if n != leader)
    master = sentinel.master_for("east", socket_timeout=2)
    assert master.set("through-sentinel", "1") is True
    region.kill(leader)
    survivors = [n for n in region.names if n != leader]
    second = wait_until(lambda: region.leader(survivors), ELECTION_DEADLINE_S, "a new leader")

    def written_through_sentinel():
        try:
            return master.set("after-failover", "2") is True
        except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
            return False  # the client retries, as an application would
    wait_until(written_through_sentinel, ELECTION_DEADLINE_S, "a write through Sentinel after the failover")
    with region.servers[second].client() as r:
        assert r.get("through-sentinel") == b"1" and r.get("after-failover") == b"2"
    with region.servers[second].client() as r:
        assert r.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "east") == [
            b"127.0.0.1", str(region.ports[region.names.index(second)]).encode()]
        assert r.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "west") is None


def test_failover_moves_leadership_to_the_named_node(region):
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    target = followers_of(region, leader)[0]
    port = region.ports[region.names.index(target)]
    with region.servers[target].client() as r:
        with pytest.raises(redis.ResponseError, match="FAILOVER is not valid when server is a replica"):
            r.execute_command("FAILOVER")
    with region.servers[leader].client() as r:
        assert r.execute_command("FAILOVER", "TO", "127.0.0.1", str(port)) in (b"OK", "OK", True)
    assert wait_until(lambda: region.leader() == target, ELECTION_DEADLINE_S, "the named node leading") is True


def test_wait_counts_the_nodes_that_hold_the_clients_writes(region):
    region.start_all()
    leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
    with region.servers[leader].client() as r:
        assert r.set("w", "1") is True
        assert r.execute_command("WAIT", 2, 5000) == 2      # both followers have it
        assert r.execute_command("WAIT", 3, 100) == 2       # only two exist: the timeout answers
        assert r.execute_command("WAIT", 0, 0) == 2
    follower = followers_of(region, leader)[0]
    with region.servers[follower].client() as r:
        with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica instances"):
            r.execute_command("WAIT", 1, 10)
