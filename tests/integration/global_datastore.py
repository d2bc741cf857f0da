"""A global datastore of real tern-server processes on loopback: several regions, each a region
of one or more nodes (region log, election), all linked by mutual TLS with certificates from one
deployment CA, exchanging committed writes (peer-regions). Used by the shipping tests and
benchmarks."""
import signal
import socket
import time

from conftest import ServerProcess, wait_until
from test_region_election import TERN_CERTS, make_certs  # noqa: F401 - re-exported for tests
from conftest import TERN_SERVER

REGION_OFFSET = 10000
SHIPPING_OFFSET = 20000


def _ports_free(port):
    for p in (port, port + REGION_OFFSET, port + SHIPPING_OFFSET):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def free_ports(n):
    """n client ports whose region and shipping ports are free too."""
    ports = []
    while len(ports) < n:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + SHIPPING_OFFSET < 65536 and port not in ports and _ports_free(port):
            ports.append(port)
    return ports


class GlobalDatastore:
    """regions: {name: node count}; region ids are 1, 2, ... in that order."""

    def __init__(self, tmp_path, regions, extra=(), metrics=False, proxy=False):
        self.tmp = tmp_path
        self.regions = {}
        names = list(regions)
        ports = iter(free_ports(sum(regions.values())))
        for i, name in enumerate(names):
            nodes = [f"{name[0]}{k + 1}" for k in range(regions[name])]
            self.regions[name] = {"id": i + 1, "nodes": {n: next(ports) for n in nodes}}
        self.certs = tmp_path / "certs"
        make_certs(self.certs, *[f"{r}/{n}" for r, spec in self.regions.items() for n in spec["nodes"]])
        self.extra = list(extra)
        self.servers = {}  # (region, node) -> ServerProcess
        # region -> a command prefix for its processes (benchmarks pin them: taskset, nice)
        self.launch_prefix = {}
        # With proxy=True every link between regions goes through tern-chaos-proxy: one proxy
        # link per (from region, to node), named "<from>_to_<node>" ("east_to_w1"), so a test
        # can delay, cut or blackhole any direction between any two regions.
        self.proxy = None
        if proxy:
            from chaos_proxy import ChaosProxy
            targets = {}
            for a in self.regions:
                for b, spec in self.regions.items():
                    if a != b:
                        for node, port in spec["nodes"].items():
                            targets[f"{a}_to_{node}"] = port + SHIPPING_OFFSET
            self.proxy = ChaosProxy.start(tmp_path, targets)
        # (region, node) -> the port of its Prometheus endpoint, when asked for
        self.metrics_ports = {}
        if metrics:
            keys = [(r, n) for r, spec in self.regions.items() for n in spec["nodes"]]
            self.metrics_ports = dict(zip(keys, free_ports(len(keys))))

    def nodes_text(self, region):
        return " ".join(f"{n}=127.0.0.1:{p}" for n, p in self.regions[region]["nodes"].items())

    def peers_text(self, region):
        def nodes(r):
            if self.proxy is None:
                return self.nodes_text(r)
            # The proxy's port stands for the node's shipping port (client port + offset).
            return " ".join(f"{n}=127.0.0.1:{self.proxy.port(f'{region}_to_{n}') - SHIPPING_OFFSET}"
                            for n in self.regions[r]["nodes"])
        return "; ".join(f"{r}/{spec['id']} {nodes(r)}" for r, spec in self.regions.items() if r != region)

    def links_between(self, a, b):
        """The proxy links carrying a's batches to b and b's to a."""
        return ([f"{a}_to_{n}" for n in self.regions[b]["nodes"]] +
                [f"{b}_to_{n}" for n in self.regions[a]["nodes"]])

    def chaos(self, command, links, *args):
        for link in links:
            self.proxy.control(command, link, *args)

    def argv(self, region, node):
        port = self.regions[region]["nodes"][node]
        data = self.tmp / f"{region}-{node}"
        data.mkdir(exist_ok=True)
        return [TERN_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
                "--region", region, "--region-id", str(self.regions[region]["id"]), "--node-id", node,
                "--region-nodes", self.nodes_text(region), "--peer-regions", self.peers_text(region),
                "--region-port-offset", str(REGION_OFFSET), "--shipping-port-offset", str(SHIPPING_OFFSET),
                "--loglevel", "verbose",
                "--region-tls-ca-file", str(self.certs / "ca.crt"),
                "--region-tls-cert-file", str(self.certs / f"{node}.{region}.crt"),
                "--region-tls-key-file", str(self.certs / f"{node}.{region}.key"),
                *(["--metrics-port", str(self.metrics_ports[(region, node)])] if self.metrics_ports else []),
                *self.extra]

    def start(self, region, node):
        port = self.regions[region]["nodes"][node]
        log = str(self.tmp / f"{region}-{node}-{time.monotonic_ns()}.log")
        argv = [*self.launch_prefix.get(region, []), *self.argv(region, node)]
        self.servers[(region, node)] = ServerProcess(argv, port, log)
        return self.servers[(region, node)]

    def start_all(self):
        for region, spec in self.regions.items():
            for node in spec["nodes"]:
                self.start(region, node)

    def client(self, region, node=None):
        node = node or next(iter(self.regions[region]["nodes"]))
        return self.servers[(region, node)].client()

    def leader(self, region):
        """The node of `region` that leads it and ships, or None."""
        for (r, node), server in self.servers.items():
            if r != region:
                continue
            with server.client() as c:
                info = c.info("replication")
            ships = len(self.regions) == 1 or info.get("tern_shipping_leader") == 1
            if info.get("tern_region_accepts_writes") == 1 and ships:
                return node
        return None

    def wait_for_leaders(self, timeout=20):
        return {r: wait_until(lambda r=r: self.leader(r), timeout, f"a leader in {r}") for r in self.regions}

    def peer_links_up(self, region, node):
        with self.client(region, node) as c:
            info = c.info("replication")
        peers = [v for k, v in info.items() if k.startswith("tern_peer_region")]
        return len(peers) == len(self.regions) - 1 and all(p["link"] == "up" for p in peers)

    def kill(self, region, node):
        server = self.servers.pop((region, node))
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        server.log.close()

    def stop(self):
        for server in self.servers.values():
            server.stop()
        if self.proxy is not None:
            self.proxy.stop()
