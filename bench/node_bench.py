#!/usr/bin/python3
"""bench/run node: redis-server and tern-server side by side under redis-benchmark.

What it does
------------
1. Starts Debian's redis-server and build/release/tern-server on free loopback ports with the
   same settings: `--port P --bind 127.0.0.1 --save '' --appendonly no --daemonize no
   --dir <own temporary dir>`, so no persistence and the default maxmemory (0, no limit).
   Each is ready when it answers PING (polled with a deadline, never a fixed sleep).
2. Memory, on the fresh servers: reads VmRSS (/proc/<pid>/status) and used_memory (INFO
   memory), loads --load-keys distinct keys `key:%012d` (16 bytes, exactly the names
   redis-benchmark's `key:__rand_int__` expands to) with 64-byte values through pipelined SETs
   on one socket, reads both again. bytes_per_key = VmRSS delta / keys and
   used_memory_per_key = used_memory delta / keys. Because the loaded keys are the benchmark's
   keyspace, GET below hits every key (with the default --load-keys 1000000).
3. Preloads the sorted set `bench:zset` with 100 members (16 bytes each, scores 1..100) and
   checks that ZRANGE bench:zset 0 99 returns them in order.
4. Throughput: for each run, for each test, for -P 1 and -P 16, one redis-benchmark invocation
   against each server, alternating which server goes first from run to run:
       redis-benchmark -h 127.0.0.1 -p PORT -c 50 -n REQUESTS -P P -d 64 -r 1000000 -q --csv
                       (-t set | -t get | -t incr | -t zadd | -t mset | ZRANGE bench:zset 0 99)
   From the CSV row it keeps rps, p50 and p99 latency (ms). Around each invocation it reads the
   server's utime+stime from /proc/<pid>/stat (all threads): cpu_per_req is CPU seconds per
   million requests. MSET is redis-benchmark's "MSET (10 keys)": one request sets 10 keys.
   ZADD adds `element:__rand_int__` to the one key `myzset`, which grows over the runs (the same
   way on both servers).
5. Prints medians over the runs and tern/redis ratios, then which targets are met, and stops
   both servers (also on an error, Ctrl-C or SIGTERM).

Output
------
Figures go to stdout, one line each; everything else starts with '#' (stdout) or goes to stderr:
    node: test=SET P=16 redis=<rps> tern=<rps> ratio=<tern/redis>
    node: test=SET P=16 p50_ms redis=<ms> tern=<ms> ratio=<tern/redis>
    node: test=SET P=16 p99_ms redis=<ms> tern=<ms> ratio=<tern/redis>
    node: cpu_per_req test=SET P=16 redis=<CPU s per 1M requests> tern=<...> ratio=<tern/redis>
    node: bytes_per_key redis=<bytes> tern=<bytes> ratio=<tern/redis>
    node: used_memory_per_key redis=<bytes> tern=<bytes> ratio=<tern/redis>
A figure is `error` when any of its runs failed (redis-benchmark exited non-zero, as it does on
an error reply, timed out after --timeout seconds or printed no row; the server died); the
reason goes to stderr, the later runs of that figure are skipped, and the benchmark goes on.
After a timeout the server gets one more --timeout to answer PING (it may still be working
through pipelined commands); a server that does not is treated as dead. The exit status is 1
when some figure is `error`, else 0; unmet targets do not change it.

Targets (from the issue): SET and GET rps at -P 16 >= 1.0x redis-server, at -P 1 >= 0.9x;
cpu_per_req <= 1.0x for every test; bytes_per_key <= 1.5x.

`# client_busy` lines give redis-benchmark's own CPU time over wall time: near 1.0 means the
single-threaded client, not the server, may be what limits the rate.
"""
import argparse
import csv
import io
import os
import pathlib
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_TERN_SERVER = ROOT / "build" / "release" / "tern-server"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"

CLIENTS = 50
VALUE_BYTES = 64
KEYSPACE = 1_000_000
PIPELINES = (1, 16)
START_DEADLINE_S = 10.0
STOP_DEADLINE_S = 10.0
SOCKET_TIMEOUT_S = 30.0
LOAD_BATCH = 1000

ZSET_KEY = "bench:zset"
ZSET_MEMBERS = [b"member:%09d" % i for i in range(1, 101)]  # 16 bytes each

# Test name -> the redis-benchmark arguments that select it, and the start of its CSV name.
TESTS = {
    "SET": (["-t", "set"], "SET"),
    "GET": (["-t", "get"], "GET"),
    "INCR": (["-t", "incr"], "INCR"),
    "ZADD": (["-t", "zadd"], "ZADD"),
    "ZRANGE": (["ZRANGE", ZSET_KEY, "0", "99"], "ZRANGE"),
    "MSET": (["-t", "mset"], "MSET"),
}

# (test, pipeline) -> minimum tern/redis rps ratio.
RPS_TARGETS = {("SET", 16): 1.0, ("GET", 16): 1.0, ("SET", 1): 0.9, ("GET", 1): 0.9}
CPU_TARGET = 1.0
BYTES_TARGET = 1.5

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def note(text):
    print(f"# {text}", file=sys.stderr, flush=True)


# --- a minimal RESP2 client (stdlib only) ------------------------------------------------------

class ReplyError(str):
    """An error reply (-ERR ...) returned as a value."""


class RespConnection:
    def __init__(self, port, timeout_s=SOCKET_TIMEOUT_S):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
        self.reader = self.sock.makefile("rb")

    def close(self):
        self.reader.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def encode(args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(parts)

    def send(self, payload):
        self.sock.sendall(payload)

    def read_reply(self):
        line = self.reader.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("server closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return ReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            data = self.reader.read(length + 2)
            if len(data) != length + 2:
                raise ConnectionError("server closed the connection")
            return data[:-2]
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self.read_reply() for _ in range(count)]
        raise ConnectionError(f"unexpected reply line {line[:60]!r}")

    def call(self, *args):
        self.send(self.encode(args))
        return self.read_reply()


# --- servers -----------------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process: started with the shared settings, its /proc figures, its stop()."""

    def __init__(self, name, binary, work_dir):
        self.name = name
        self.binary = str(binary)
        self.port = free_port()
        self.dir = pathlib.Path(work_dir) / name
        self.dir.mkdir()
        self.log_path = self.dir / "server.log"
        self.argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir)]
        self.process = None
        self.failure = None  # why this server can no longer be measured, once it cannot

    def start(self):
        try:
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL)
        except OSError as error:
            self.failure = f"could not be started: {error}"
            note(f"{self.name}: {self.failure}")
            return False
        deadline = time.monotonic() + START_DEADLINE_S
        last_error = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.failure = f"exited with status {self.process.returncode} at startup"
                self._show_log()
                return False
            try:
                with RespConnection(self.port, timeout_s=1) as connection:
                    if connection.call("PING") == "PONG":
                        return True
            except OSError as error:
                last_error = error
            time.sleep(0.02)
        self.failure = f"did not answer PING within {START_DEADLINE_S:.0f} s ({last_error})"
        self._show_log()
        return False

    def alive(self):
        """False (and self.failure says why) once the server cannot be measured any more."""
        if self.process is None and self.failure is None:
            self.failure = "not started"
        if self.failure is None and self.process.poll() is not None:
            self.failure = f"exited with status {self.process.returncode}"
            self._show_log()
        return self.failure is None

    def answers_ping(self, timeout_s=2.0):
        try:
            with RespConnection(self.port, timeout_s=timeout_s) as connection:
                return connection.call("PING") == "PONG"
        except OSError:
            return False

    def cpu_ticks(self):
        with open(f"/proc/{self.process.pid}/stat", "rb") as stat:
            # Fields after the ")" that closes the command name: state is field 3, so utime
            # (field 14) and stime (field 15) are at 11 and 12.
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def rss_bytes(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")

    def used_memory(self):
        with RespConnection(self.port) as connection:
            info = connection.call("INFO", "memory")
        if isinstance(info, ReplyError) or not isinstance(info, bytes):
            raise RuntimeError(f"INFO memory replied {info!r}")
        for line in info.decode(errors="replace").splitlines():
            if line.startswith("used_memory:"):
                return int(line.split(":", 1)[1])
        raise RuntimeError("INFO memory has no used_memory field")

    def version(self):
        try:
            result = subprocess.run([self.binary, "--version"], capture_output=True, text=True,
                                    timeout=10, check=False)
            return result.stdout.strip() or result.stderr.strip()
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"unknown ({error})"

    def _show_log(self):
        try:
            tail = self.log_path.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            tail = []
        note(f"{self.name}: {self.failure}; the end of its log:")
        for line in tail:
            note(f"  {line}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- measurements ------------------------------------------------------------------------------

def measure_memory(server, keys):
    """Loads `keys` keys on a fresh server; returns (VmRSS, used_memory) bytes per key, each a
    number or a string saying why it could not be measured."""
    if not server.alive():
        return server.failure, server.failure
    used_before = used_after = None
    try:
        rss_before = server.rss_bytes()
        try:
            used_before = server.used_memory()
        except RuntimeError as error:
            used_failure = str(error)
        value = b"x" * VALUE_BYTES
        template = (b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$" + b"%d" % VALUE_BYTES +
                    b"\r\n" + value + b"\r\n")
        started = time.monotonic()
        with RespConnection(server.port) as connection:
            for first in range(0, keys, LOAD_BATCH):
                count = min(LOAD_BATCH, keys - first)
                connection.send(b"".join(template % i for i in range(first, first + count)))
                for _ in range(count):
                    reply = connection.read_reply()
                    if reply != "OK":
                        raise RuntimeError(f"SET replied {reply!r}")
            size = connection.call("DBSIZE")
        note(f"{server.name}: loaded {keys} keys in {time.monotonic() - started:.1f} s; "
             f"DBSIZE {size}")
        rss_after = server.rss_bytes()
        if used_before is not None:
            try:
                used_after = server.used_memory()
            except RuntimeError as error:
                used_failure = str(error)
    except (OSError, RuntimeError) as error:
        server.alive()
        return f"loading failed: {error}", f"loading failed: {error}"
    note(f"{server.name}: VmRSS {rss_before} -> {rss_after} bytes")
    rss_per_key = (rss_after - rss_before) / keys
    if used_after is None:
        return rss_per_key, used_failure
    note(f"{server.name}: used_memory {used_before} -> {used_after} bytes")
    return rss_per_key, (used_after - used_before) / keys


def preload_zset(server):
    """Returns None, or why ZRANGE cannot be measured on this server."""
    if not server.alive():
        return server.failure
    try:
        with RespConnection(server.port) as connection:
            connection.call("DEL", ZSET_KEY)
            args = ["ZADD", ZSET_KEY]
            for score, member in enumerate(ZSET_MEMBERS, start=1):
                args += [str(score), member]
            added = connection.call(*args)
            members = connection.call("ZRANGE", ZSET_KEY, "0", "99")
    except OSError as error:
        return f"preloading {ZSET_KEY} failed: {error}"
    if added != len(ZSET_MEMBERS):
        return f"ZADD {ZSET_KEY} of 100 members replied {added!r}"
    if members != ZSET_MEMBERS:
        return f"ZRANGE {ZSET_KEY} 0 99 did not return the 100 members in order"
    return None


def benchmark_argv(server, test, pipeline, requests):
    selector = TESTS[test][0]
    return [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(server.port), "-c", str(CLIENTS),
            "-n", str(requests), "-P", str(pipeline), "-d", str(VALUE_BYTES),
            "-r", str(KEYSPACE), "-q", "--csv", *selector]


def parse_csv_row(stdout, test):
    """The data row of redis-benchmark --csv: test, rps, avg, min, p50, p95, p99, max (ms)."""
    lines = [line for line in stdout.splitlines() if line.startswith('"')]
    for row in csv.reader(io.StringIO("\n".join(lines))):
        if len(row) == 8 and row[0] != "test" and row[0].upper().startswith(TESTS[test][1]):
            return {"rps": float(row[1]), "p50_ms": float(row[4]), "p99_ms": float(row[6])}
    return None


def run_benchmark(server, test, pipeline, requests, timeout_s):
    """One redis-benchmark invocation: a dict of figures, or a string saying what failed."""
    if not server.alive():
        return server.failure
    argv = benchmark_argv(server, test, pipeline, requests)
    try:
        ticks_before = server.cpu_ticks()
    except OSError as error:
        server.alive()
        return server.failure or f"reading /proc: {error}"
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s,
                                stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        # A slow server may still be working through the pipelined commands it has read; give
        # it one more timeout to answer PING. One that does not is hung, and would cost every
        # later invocation the whole timeout.
        note(f"{server.name}: redis-benchmark timed out; waiting up to {timeout_s:.0f} s "
             "for the server to answer PING")
        if server.alive() and not server.answers_ping(timeout_s=timeout_s):
            server.failure = "stopped answering PING after a redis-benchmark run timed out"
        return f"redis-benchmark did not finish within {timeout_s:.0f} s"
    wall_s = time.monotonic() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        ticks = server.cpu_ticks() - ticks_before
    except OSError as error:
        ticks = None
        read_error = f"reading /proc: {error}"
    if not server.alive():
        return server.failure
    if ticks is None:
        return read_error
    if result.returncode != 0:
        message = (result.stderr.strip() or result.stdout.strip()).splitlines()
        return f"redis-benchmark exited with {result.returncode}: " + \
            (message[-1][:160] if message else "no output")
    figures = parse_csv_row(result.stdout, test)
    if figures is None:
        return f"redis-benchmark printed no CSV row: {result.stdout.strip()[:200]!r}"
    figures["cpu_per_req"] = ticks / CLOCK_TICKS / requests * 1e6
    client_cpu = (children_after.ru_utime - children_before.ru_utime +
                  children_after.ru_stime - children_before.ru_stime)
    figures["client_busy"] = client_cpu / wall_s if wall_s > 0 else 0.0
    return figures


# --- report ------------------------------------------------------------------------------------

class Figure:
    """One quantity for both servers: the median over runs, or an error."""

    def __init__(self, redis_values, tern_values, fmt):
        self.redis = self._summary(redis_values)
        self.tern = self._summary(tern_values)
        self.fmt = fmt

    @staticmethod
    def _summary(values):
        if not values or any(isinstance(v, str) for v in values):
            return None
        return statistics.median(values)

    def ratio(self):
        if self.redis is None or self.tern is None or self.redis == 0:
            return None
        return self.tern / self.redis

    def text(self):
        def show(value):
            return "error" if value is None else self.fmt % value
        ratio = self.ratio()
        return (f"redis={show(self.redis)} tern={show(self.tern)} "
                f"ratio={'n/a' if ratio is None else '%.2f' % ratio}")


def target(kind, label, ratio, bound, at_least):
    """(kind, the '#   ...' line, True/False/None for met/not met/unknown)."""
    if ratio is None:
        return kind, f"#   {label} ratio=n/a: unknown", None
    met = ratio >= bound if at_least else ratio <= bound
    sign = ">=" if at_least else "<="
    return (kind, f"#   {label} ratio={ratio:.2f} {sign} {bound:.2f}: "
                  f"{'met' if met else 'NOT MET'}", met)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench/run node",
        description="redis-server and tern-server side by side under redis-benchmark.")
    parser.add_argument("--runs", type=int, help="alternating runs per figure (default 3)")
    parser.add_argument("--requests", metavar="N[,N16]",
                        help="requests per redis-benchmark invocation: one number for both -P 1 "
                             "and -P 16, or two (default 200000,1000000)")
    parser.add_argument("--tests", default=",".join(TESTS),
                        help=f"comma-separated subset of {','.join(TESTS)} (default all)")
    parser.add_argument("--load-keys", type=int,
                        help="keys loaded for the memory figures, 0 to skip (default 1000000)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds allowed per redis-benchmark invocation (default 120)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 run, 10000,50000 requests, 10000 keys")
    parser.add_argument("--tern-binary", default=str(DEFAULT_TERN_SERVER), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    quick = args.quick
    args.runs = args.runs if args.runs is not None else (1 if quick else 3)
    args.load_keys = args.load_keys if args.load_keys is not None else \
        (10_000 if quick else 1_000_000)
    requests = args.requests or ("10000,50000" if quick else "200000,1000000")
    try:
        counts = [int(part) for part in requests.split(",")]
    except ValueError:
        parser.error(f"--requests {requests!r}: expected N or N,N16")
    if len(counts) == 1:
        counts *= 2
    if len(counts) != 2 or min(counts) <= 0:
        parser.error(f"--requests {requests!r}: expected N or N,N16, each > 0")
    args.requests = dict(zip(PIPELINES, counts))
    args.tests = [name.strip().upper() for name in args.tests.split(",") if name.strip()]
    unknown = [name for name in args.tests if name not in TESTS]
    if unknown or not args.tests:
        parser.error(f"--tests: unknown {','.join(unknown)}; the tests are {','.join(TESTS)}")
    if args.runs <= 0 or args.load_keys < 0 or args.load_keys >= 10**12:
        parser.error("--runs must be > 0 and --load-keys in [0, 10^12)")
    return args


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not os.access(args.tern_binary, os.X_OK):
        print(f"{args.tern_binary} is not an executable file", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="tern-bench-node-") as work_dir:
        redis = Server("redis", REDIS_SERVER, work_dir)
        tern = Server("tern", args.tern_binary, work_dir)
        servers = [redis, tern]
        try:
            return measure_and_report(args, servers)
        finally:
            for server in servers:
                server.stop()


def measure_and_report(args, servers):
    redis, tern = servers
    print(f"# bench/run node: {redis.version()} vs {tern.version()}")
    print(f"# machine: nproc={os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; "
          f"runs={args.runs}, requests P=1: {args.requests[1]}, P=16: {args.requests[16]}, "
          f"load-keys={args.load_keys}")
    print(f"# server settings (both): --port PORT {shlex.join(redis.argv[3:-1])} DIR")
    print(f"# client: redis-benchmark -h 127.0.0.1 -p PORT -c {CLIENTS} -n N -P P -d {VALUE_BYTES} "
          f"-r {KEYSPACE} -q --csv (-t set|get|incr|zadd|mset | ZRANGE {ZSET_KEY} 0 99)")
    print("# units: rps; p50_ms/p99_ms in ms; cpu_per_req in server CPU seconds per 1,000,000 "
          "requests; bytes per key")
    if args.quick:
        print("# --quick: a smoke run; these figures are not a measurement")
    if os.getloadavg()[0] > 0.5:
        print("# warning: the load average is above 0.5; other processes compete for the CPUs")
    sys.stdout.flush()

    for server in servers:
        if server.start():
            note(f"{server.name}: pid {server.process.pid}, port {server.port}")
    if not any(server.alive() for server in servers):
        print("neither server started", file=sys.stderr)
        return 1

    memory = {}
    if args.load_keys > 0:
        for server in servers:
            memory[server.name] = measure_memory(server, args.load_keys)

    zset_failure = {server.name: preload_zset(server) for server in servers}
    for name, failure in zset_failure.items():
        if failure:
            note(f"{name}: {failure}")

    samples = run_throughput(args, servers, zset_failure)
    figures_ok, targets = report_throughput(args, samples)
    if memory:
        memory_ok, memory_targets = report_memory(memory)
        figures_ok &= memory_ok
        targets += memory_targets

    print("# targets:")
    kinds = ("rps", "cpu_per_req", "bytes_per_key")  # printed in this order
    for _, line, _ in sorted(targets, key=lambda target: kinds.index(target[0])):
        print(line)
    met = sum(1 for _, _, ok in targets if ok)
    print(f"# targets met: {met} of {len(targets)}"
          + ("" if len(args.tests) == len(TESTS) and memory else " (a partial run)"))
    return 0 if figures_ok else 1


def run_throughput(args, servers, zset_failure):
    """Returns {(server name, test, pipeline): [one dict of figures or error string per run]}."""
    samples = {}
    for run in range(args.runs):
        order = servers if run % 2 == 0 else servers[::-1]
        for test in args.tests:
            for pipeline in PIPELINES:
                for server in order:
                    runs = samples.setdefault((server.name, test, pipeline), [])
                    if test == "ZRANGE" and zset_failure[server.name]:
                        outcome = zset_failure[server.name]
                    elif any(isinstance(earlier, str) for earlier in runs):
                        # One failed run makes the figure an error; do not spend time on more.
                        outcome = "skipped: an earlier run of this figure failed"
                    else:
                        outcome = run_benchmark(server, test, pipeline, args.requests[pipeline],
                                                args.timeout)
                    runs.append(outcome)
                    where = f"run {run + 1}/{args.runs} {test} P={pipeline} {server.name}"
                    if isinstance(outcome, str):
                        note(f"{where}: error: {outcome}")
                    else:
                        note(f"{where}: {outcome['rps']:.0f} rps, p50 {outcome['p50_ms']:.3f} ms, "
                             f"p99 {outcome['p99_ms']:.3f} ms, "
                             f"cpu {outcome['cpu_per_req']:.2f} s/1M")
    return samples


def report_throughput(args, samples):
    """Prints the rate, latency and CPU lines; returns (no figure is an error, targets)."""
    figures_ok = True
    targets = []
    for test in args.tests:
        for pipeline in PIPELINES:
            def figure(key, fmt):
                def values(server):
                    return [run if isinstance(run, str) else run[key]
                            for run in samples.get((server, test, pipeline), [])]
                return Figure(values("redis"), values("tern"), fmt)

            rps = figure("rps", "%.0f")
            cpu = figure("cpu_per_req", "%.3f")
            lines = [(f"node: test={test} P={pipeline}", rps),
                     (f"node: test={test} P={pipeline} p50_ms", figure("p50_ms", "%.3f")),
                     (f"node: test={test} P={pipeline} p99_ms", figure("p99_ms", "%.3f")),
                     (f"node: cpu_per_req test={test} P={pipeline}", cpu)]
            for prefix, value in lines:
                print(f"{prefix} {value.text()}")
                figures_ok &= value.redis is not None and value.tern is not None
            busy = figure("client_busy", "%.2f")
            print(f"# client_busy test={test} P={pipeline} redis="
                  f"{'n/a' if busy.redis is None else '%.2f' % busy.redis} tern="
                  f"{'n/a' if busy.tern is None else '%.2f' % busy.tern}")
            if (test, pipeline) in RPS_TARGETS:
                targets.append(target("rps", f"test={test} P={pipeline} rps", rps.ratio(),
                                      RPS_TARGETS[(test, pipeline)], at_least=True))
            targets.append(target("cpu_per_req", f"cpu_per_req test={test} P={pipeline}",
                                  cpu.ratio(), CPU_TARGET, at_least=False))
    return figures_ok, targets


def report_memory(memory):
    """Prints the two memory lines; returns (neither is an error, targets)."""
    for name in ("redis", "tern"):
        for value in memory[name]:
            if isinstance(value, str):
                note(f"{name}: memory: {value}")
    rss = Figure([memory["redis"][0]], [memory["tern"][0]], "%.1f")
    used = Figure([memory["redis"][1]], [memory["tern"][1]], "%.1f")
    print(f"node: bytes_per_key {rss.text()}")
    print(f"node: used_memory_per_key {used.text()}")
    figures_ok = None not in (rss.redis, rss.tern, used.redis, used.tern)
    return figures_ok, [target("bytes_per_key", "bytes_per_key", rss.ratio(), BYTES_TARGET,
                               at_least=False)]


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
