"""Client TLS as Redis does it (tls-port and the tls-* directives), and certificate reload
without a restart, against real tern-server processes.

Certificates come from tern-certs: `clients/server` is the server's certificate on tls-port and
`clients/app` the client's (both carry serverAuth and clientAuth; neither redis-cli nor redis-py
with ssl_check_hostname=False checks a host name). A second set signed by the same CA stands
for a rotated certificate; a certificate's identity is its DER bytes, compared with what a new
connection's getpeercert(binary_form=True) returns.

Every wait polls with a deadline (conftest.wait_until); no test sleeps to synchronise.
"""
import os
import pathlib
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
import redis

from conftest import REDIS_CLI, TERN_SERVER, ServerProcess, free_port, wait_until
from test_region_election import ELECTION_DEADLINE_S, OFFSET, Region

TERN_CERTS = str(pathlib.Path(TERN_SERVER).parent / "tern-certs")
DEADLINE_S = 10.0


def make_certs(directory, *names, ca_dir=None, server_names=None):
    extra = ["--ca-dir", str(ca_dir)] if ca_dir else []
    extra += ["--server-names", server_names] if server_names else []
    subprocess.run([TERN_CERTS, "--dir", str(directory), *extra, *names], check=True, capture_output=True)


def der_of(pem_path):
    return ssl.PEM_cert_to_DER_cert(pathlib.Path(pem_path).read_text())


def replace_file(source, target):
    """Writes `target` as tern-certs does: a temporary name, then rename."""
    temporary = pathlib.Path(str(target) + ".new")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


class TlsServer(ServerProcess):
    """A tern-server with a tls-port; ready once a TLS client gets PONG."""

    def __init__(self, tmp_path, certs, *extra, plain=True, server_cert="server.clients"):
        self.certs = certs
        self.tls_port = free_port()
        port = free_port() if plain else 0
        argv = [TERN_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--tls-port", str(self.tls_port),
                "--tls-cert-file", str(certs / f"{server_cert}.crt"),
                "--tls-key-file", str(certs / f"{server_cert}.key"),
                "--tls-ca-cert-file", str(certs / "ca.crt"), *extra]
        super().__init__(argv, port, str(tmp_path / f"tern-tls-{self.tls_port}.log"))

    def _answers_ping(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_text()}")
        with self.tls_client(socket_timeout=1) as r:
            try:
                return r.ping()
            except redis.AuthenticationError:
                return True  # up, and asking for a password (requirepass)

    def tls_client(self, certificate=True, **kwargs):
        options = dict(port=self.tls_port, ssl=True, ssl_ca_certs=str(self.certs / "ca.crt"),
                       ssl_check_hostname=False, socket_timeout=10)
        if certificate:
            options.update(ssl_certfile=str(self.certs / "app.clients.crt"),
                           ssl_keyfile=str(self.certs / "app.clients.key"))
        options.update(kwargs)
        return redis.Redis(**options)

    def tls_cli(self, *args):
        result = subprocess.run(
            [REDIS_CLI, "--tls", "--cacert", str(self.certs / "ca.crt"), "--cert", str(self.certs / "app.clients.crt"),
             "--key", str(self.certs / "app.clients.key"), "-p", str(self.tls_port), *args],
            capture_output=True, text=True, timeout=30, check=False)
        return result.stdout.strip()

    def presented_certificate(self):
        """The DER certificate a new TLS connection is shown."""
        context = ssl.create_default_context(cafile=str(self.certs / "ca.crt"))
        context.check_hostname = False
        context.load_cert_chain(str(self.certs / "app.clients.crt"), str(self.certs / "app.clients.key"))
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                return tls.getpeercert(binary_form=True)

    def wait_for_log(self, text):
        return wait_until(lambda: text in self.log_text(), DEADLINE_S, f"log line '{text}'")


@pytest.fixture
def certs(tmp_path):
    directory = tmp_path / "certs"
    make_certs(directory, "clients/server", "clients/app")
    return directory


@pytest.fixture
def rotated(tmp_path, certs):
    """A second server certificate from the same CA."""
    directory = tmp_path / "rotated"
    make_certs(directory, "clients/server", ca_dir=certs)
    return directory


@pytest.fixture
def server(tmp_path, certs):
    s = TlsServer(tmp_path, certs)
    yield s
    s.stop()


def test_redis_cli_tls_runs_ping_set_and_get(server):
    assert server.tls_cli("PING") == "PONG"
    assert server.tls_cli("SET", "greeting", "over tls") == "OK"
    assert server.tls_cli("GET", "greeting") == "over tls"


def test_redis_py_ssl_serves_the_same_protocol_as_the_plain_port(server):
    with server.tls_client() as r, redis.Redis(port=server.port, socket_timeout=10) as plain:
        assert r.ping()
        # A pipeline larger than one TLS record each way, and a value spanning many records.
        with r.pipeline(transaction=False) as pipe:
            for i in range(2000):
                pipe.set(f"k{i}", i)
            assert pipe.execute() == [True] * 2000
        big = b"x" * (3 * 1024 * 1024 + 7)
        assert r.set("big", big)
        assert plain.get("big") == big
        assert plain.get("k1999") == b"1999"
        # MULTI/EXEC and pub/sub between a TLS subscriber and a plain publisher.
        with r.pipeline(transaction=True) as tx:
            tx.incr("counter").incr("counter")
            assert tx.execute() == [1, 2]
        pubsub = r.pubsub()
        pubsub.subscribe("news")
        wait_until(lambda: pubsub.get_message(timeout=0.1) is not None, DEADLINE_S, "subscribe confirmation")
        assert plain.publish("news", "hello") == 1
        message = wait_until(lambda: pubsub.get_message(timeout=0.1), DEADLINE_S, "published message")
        assert message["data"] == b"hello"
        pubsub.close()


def test_auth_and_hello_work_over_tls(tmp_path, certs):
    s = TlsServer(tmp_path, certs, "--requirepass", "secret")
    try:
        with s.tls_client() as anonymous:
            with pytest.raises(redis.AuthenticationError):
                anonymous.get("k")
        with s.tls_client(password="secret") as r:
            assert r.ping()
            hello = r.execute_command("HELLO", "2", "AUTH", "default", "secret")
            assert hello[hello.index(b"proto") + 1] == 2
        # RESP3 (redis-py 4 cannot parse it): HELLO 3 answers a map.
        context = ssl.create_default_context(cafile=str(certs / "ca.crt"))
        context.check_hostname = False
        context.load_cert_chain(str(certs / "app.clients.crt"), str(certs / "app.clients.key"))
        with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"HELLO 3 AUTH default secret\r\n")
                assert tls.recv(1)[:1] == b"%"
    finally:
        s.stop()


def test_server_names_from_tern_certs_pass_redis_py_host_name_checks(tmp_path, certs):
    named = tmp_path / "named"
    make_certs(named, "clients/server", "clients/app", server_names="localhost,127.0.0.1")
    unnamed = TlsServer(tmp_path, certs)
    s = TlsServer(tmp_path, named)
    try:
        for host in ("localhost", "127.0.0.1"):
            with s.tls_client(host=host, ssl_check_hostname=True) as r:
                assert r.ping()
        with unnamed.tls_client(host="localhost", ssl_check_hostname=True, socket_timeout=5) as r:
            with pytest.raises(redis.ConnectionError):
                r.ping()
    finally:
        s.stop()
        unnamed.stop()


def test_client_without_certificate_is_refused_when_tls_auth_clients_is_yes(server):
    with server.tls_client(certificate=False, socket_timeout=5) as r:
        with pytest.raises(redis.ConnectionError):
            r.ping()
    server.wait_for_log("refused: peer certificate refused: the peer sent no certificate")
    with server.tls_client() as r:
        assert r.ping()


def test_tls_auth_clients_no_accepts_a_client_without_certificate(tmp_path, certs):
    s = TlsServer(tmp_path, certs, "--tls-auth-clients", "no")
    try:
        with s.tls_client(certificate=False) as r:
            assert r.set("k", "v") and r.get("k") == b"v"
    finally:
        s.stop()


def test_tls_auth_clients_optional_accepts_both_and_still_checks_a_certificate_sent(tmp_path, certs):
    rogue = tmp_path / "rogue"
    make_certs(rogue, "clients/app")  # another CA
    s = TlsServer(tmp_path, certs, "--tls-auth-clients", "optional")
    try:
        with s.tls_client(certificate=False) as r:
            assert r.ping()
        with s.tls_client() as r:
            assert r.ping()
        with s.tls_client(ssl_certfile=str(rogue / "app.clients.crt"), ssl_keyfile=str(rogue / "app.clients.key"),
                          socket_timeout=5) as r:
            with pytest.raises(redis.ConnectionError):
                r.ping()
        s.wait_for_log("not signed by the deployment CA")
    finally:
        s.stop()


def test_plaintext_client_on_the_tls_port_is_disconnected_and_logged(server):
    with socket.create_connection(("127.0.0.1", server.tls_port), timeout=5) as raw:
        raw.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert raw.recv(1024) == b""  # closed, no reply
    server.wait_for_log("refused: plaintext connection refused: not a TLS ClientHello")
    with server.tls_client() as r:
        assert r.ping()


def test_tls_client_on_the_plain_port_is_disconnected_and_logged(server):
    context = ssl.create_default_context(cafile=str(server.certs / "ca.crt"))
    context.check_hostname = False
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            context.wrap_socket(raw)
    server.wait_for_log("sent a TLS handshake to the plaintext port; closing it")
    with redis.Redis(port=server.port, socket_timeout=5) as r:
        assert r.ping()


def test_a_client_that_never_finishes_the_handshake_is_closed_at_the_deadline(server):
    with socket.create_connection(("127.0.0.1", server.tls_port), timeout=15) as raw:
        raw.sendall(b"\x16")  # less than a record header: OpenSSL waits for more
        started = time.monotonic()
        assert raw.recv(1024) == b""
        assert time.monotonic() - started < 10
    server.wait_for_log("TLS handshake cancelled")


def test_port_0_with_a_tls_port_serves_tls_only(tmp_path, certs):
    s = TlsServer(tmp_path, certs, plain=False)
    try:
        assert "Ready to accept connections tls on port" in s.log_text()
        assert "Ready to accept connections tcp" not in s.log_text()
        with s.tls_client() as r:
            assert r.info("server")["tcp_port"] == 0
    finally:
        s.stop()


def test_startup_with_a_missing_certificate_file_fails_naming_the_file(tmp_path, certs):
    missing = tmp_path / "nowhere" / "server.crt"
    result = subprocess.run(
        [TERN_SERVER, "--port", str(free_port()), "--bind", "127.0.0.1", "--tls-port", str(free_port()),
         "--tls-cert-file", str(missing), "--tls-key-file", str(certs / "server.clients.key"),
         "--tls-ca-cert-file", str(certs / "ca.crt")],
        capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Failed to configure TLS" in output and str(missing) in output


def test_startup_with_tls_auth_clients_yes_and_no_ca_fails_saying_so(tmp_path, certs):
    result = subprocess.run(
        [TERN_SERVER, "--port", str(free_port()), "--bind", "127.0.0.1", "--tls-port", str(free_port()),
         "--tls-cert-file", str(certs / "server.clients.crt"), "--tls-key-file", str(certs / "server.clients.key")],
        capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert "tls-ca-cert-file" in result.stdout + result.stderr


def test_config_get_shows_the_tls_directives(server, certs):
    with server.tls_client() as r:
        config = r.config_get("tls-*")
    assert config["tls-port"] == str(server.tls_port)
    assert config["tls-cert-file"] == str(certs / "server.clients.crt")
    assert config["tls-auth-clients"] == "yes"


def test_config_set_new_certificate_is_served_to_new_connections_and_old_ones_keep_working(
        server, certs, rotated):
    assert server.presented_certificate() == der_of(certs / "server.clients.crt")
    with server.tls_client() as old:
        assert old.ping()
        with server.tls_client() as admin:
            assert admin.config_set("tls-cert-file", str(rotated / "server.clients.crt"),
                                    "tls-key-file", str(rotated / "server.clients.key"))
        assert server.presented_certificate() == der_of(rotated / "server.clients.crt")
        assert old.ping()
        assert old.set("still", "here")
    server.wait_for_log("client TLS context rebuilt")


def test_config_set_bad_certificate_is_refused_and_the_old_certificate_stays(server, certs, rotated, tmp_path):
    missing = tmp_path / "missing.crt"
    with server.tls_client() as r:
        with pytest.raises(redis.ResponseError) as refused:
            r.config_set("tls-cert-file", str(missing))
        assert str(missing) in str(refused.value)
        assert "keeping the current context" in str(refused.value)
        # A rotation half done (new certificate, old key) is refused too.
        with pytest.raises(redis.ResponseError) as mismatched:
            r.config_set("tls-cert-file", str(rotated / "server.clients.crt"))
        assert "does not match" in str(mismatched.value)
        assert r.config_get("tls-cert-file")["tls-cert-file"] == str(certs / "server.clients.crt")
        assert r.ping()
    assert server.presented_certificate() == der_of(certs / "server.clients.crt")


def test_sighup_reloads_certificate_files_rewritten_in_place(tmp_path, certs, rotated):
    live = tmp_path / "live"
    shutil.copytree(certs, live)
    s = TlsServer(tmp_path, live)
    try:
        assert s.presented_certificate() == der_of(certs / "server.clients.crt")
        with s.tls_client() as old:
            assert old.ping()
            replace_file(rotated / "server.clients.key", live / "server.clients.key")
            replace_file(rotated / "server.clients.crt", live / "server.clients.crt")
            s.process.send_signal(signal.SIGHUP)
            wait_until(lambda: s.presented_certificate() == der_of(rotated / "server.clients.crt"), DEADLINE_S,
                       "the rotated certificate on new connections")
            assert old.ping()
        s.wait_for_log("SIGHUP: client TLS (tls-port")
    finally:
        s.stop()


def test_sighup_with_a_broken_certificate_file_keeps_the_old_one_and_logs_why(tmp_path, certs):
    live = tmp_path / "live"
    shutil.copytree(certs, live)
    s = TlsServer(tmp_path, live)
    try:
        (live / "server.clients.crt").write_text("not a certificate\n")
        s.process.send_signal(signal.SIGHUP)
        s.wait_for_log("TLS reload failed, keeping the current context")
        assert s.presented_certificate() == der_of(certs / "server.clients.crt")
    finally:
        s.stop()


class TlsRegion(Region):
    """A Region whose nodes also serve clients on a tls-port each (certificates from `certs`)."""

    def __init__(self, tmp_path, certs):
        super().__init__(tmp_path)
        self.client_certs = certs
        self.tls_ports = {name: free_port() for name in self.names}

    def argv(self, name, certs=None):
        return super().argv(name, certs) + [
            "--tls-port", str(self.tls_ports[name]),
            "--tls-cert-file", str(self.client_certs / "server.clients.crt"),
            "--tls-key-file", str(self.client_certs / "server.clients.key"),
            "--tls-ca-cert-file", str(self.client_certs / "ca.crt")]

    def tls_client(self, name):
        return redis.Redis(port=self.tls_ports[name], ssl=True, ssl_ca_certs=str(self.client_certs / "ca.crt"),
                           ssl_certfile=str(self.client_certs / "app.clients.crt"),
                           ssl_keyfile=str(self.client_certs / "app.clients.key"), ssl_check_hostname=False,
                           socket_timeout=10)


def test_region_holds_and_forwarded_writes_work_for_tls_clients(tmp_path, certs):
    region = TlsRegion(tmp_path, certs)
    try:
        region.start_all()
        leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
        follower = next(n for n in region.names if n != leader)
        # On the leader the reply is held until a majority has the write (region-ack quorum);
        # WAIT then counts the followers that hold it.
        with region.tls_client(leader) as r:
            assert r.set("held", "1")
            assert r.execute_command("WAIT", 2, 5000) == 2
        # A follower forwards the write to the leader and answers once it applied it itself.
        with region.tls_client(follower) as r:
            assert r.set("forwarded", "2")
            assert r.get("forwarded") == b"2"
            assert r.get("held") == b"1"
    finally:
        region.stop()


def peer_certificate_of(region, name, as_node):
    """The DER certificate `name`'s peer port shows a node dialling it as `as_node`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(str(region.certs / "ca.crt"))
    context.load_cert_chain(str(region.certs / f"{as_node}.east.crt"), str(region.certs / f"{as_node}.east.key"))
    port = region.ports[region.names.index(name)] + OFFSET
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


def value_on(region, name, key):
    with region.servers[name].client() as r:
        return r.get(key)


def test_sighup_reloads_region_peer_certificates_and_the_region_keeps_replicating(tmp_path):
    region = Region(tmp_path)
    try:
        region.start_all()
        leader = wait_until(region.leader, ELECTION_DEADLINE_S, "a leader")
        # The leader's certificate: the restarted node below can only catch up through it.
        rotated_node = leader
        other = next(n for n in region.names if n != leader)
        original = der_of(region.certs / f"{rotated_node}.east.crt")
        assert peer_certificate_of(region, rotated_node, other) == original

        fresh = tmp_path / "fresh"
        make_certs(fresh, f"east/{rotated_node}", ca_dir=region.certs)
        replace_file(fresh / f"{rotated_node}.east.key", region.certs / f"{rotated_node}.east.key")
        replace_file(fresh / f"{rotated_node}.east.crt", region.certs / f"{rotated_node}.east.crt")
        region.servers[rotated_node].process.send_signal(signal.SIGHUP)
        wait_until(lambda: "region peer TLS reloaded" in region.servers[rotated_node].log_text(), DEADLINE_S,
                   "the peer reload log line")
        renewed = der_of(fresh / f"{rotated_node}.east.crt")
        assert renewed != original
        assert peer_certificate_of(region, rotated_node, other) == renewed

        # Links opened before the reload still carry the log: a write reaches every node.
        with region.servers[leader].client() as r:
            r.set("after-rotation", "1")
        for name in region.names:
            wait_until(lambda: value_on(region, name, "after-rotation") == b"1", DEADLINE_S, f"the write on {name}")

        # A node restarted now dials the rotated node afresh and is accepted with the new
        # certificate: it catches up on a write made while it was down.
        restarted = other
        region.kill(restarted)
        with region.servers[leader].client() as r:
            r.set("while-down", "2")
        region.start(restarted)
        wait_until(lambda: value_on(region, restarted, "while-down") == b"2", ELECTION_DEADLINE_S,
                   "the restarted node catching up")
        wait_until(region.leader, ELECTION_DEADLINE_S, "one leader after the restart")
        assert "refused" not in region.servers[restarted].log_text()
    finally:
        region.stop()
