"""tern-chaos-proxy for integration tests and drills: start it in front of a server, read the
ports it bound (every port is 0, the kernel chooses), and drive it through its RESP control
port with redis-py.

    proxy = ChaosProxy.start(tmp_path, {"a": target_port})
    proxy.control("DELAY", "a", "both", 35)
    redis.Redis(port=proxy.port("a"))
    proxy.links()["a"]["up_bytes"]
"""
import os
import pathlib
import re
import subprocess

import redis

from conftest import ROOT, wait_until

CHAOS_PROXY = os.environ.get("TERN_CHAOS_PROXY",
                             str(ROOT / "build" / "release" / "tern-chaos-proxy"))
START_DEADLINE_S = 10.0


def _number_or_text(value):
    return int(value) if value.isdigit() else value


class ChaosProxy:
    def __init__(self, process, log_path, link_ports, control_port):
        self.process = process
        self.log_path = log_path
        self.link_ports = link_ports
        self.control_port = control_port
        self._control = redis.Redis(port=control_port, socket_timeout=10, decode_responses=True)

    @classmethod
    def start(cls, tmp_path, targets, *extra):
        """targets: link name -> target port on 127.0.0.1."""
        links = [f"--link={name}=127.0.0.1:0->127.0.0.1:{port}" for name, port in targets.items()]
        log_path = pathlib.Path(tmp_path) / f"chaos-proxy-{len(list(pathlib.Path(tmp_path).glob('chaos-proxy-*')))}.log"
        log = open(log_path, "wb")
        argv = [CHAOS_PROXY, *links, "--control=127.0.0.1:0", *extra]
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()

        def ready():
            if process.poll() is not None:
                raise RuntimeError(f"tern-chaos-proxy exited with {process.returncode}: "
                                   f"{log_path.read_text(errors='replace')}")
            text = log_path.read_text(errors="replace")
            control = re.search(r"control listening on 127\.0\.0\.1:(\d+)", text)
            return control and (text, int(control.group(1)))

        try:
            text, control_port = wait_until(ready, START_DEADLINE_S, "tern-chaos-proxy to listen")
        except TimeoutError:
            process.kill()
            process.wait()
            raise
        ports = {name: int(port) for name, port in
                 re.findall(r"link (\S+) listening on 127\.0\.0\.1:(\d+)", text)}
        return cls(process, log_path, ports, control_port)

    def port(self, link):
        return self.link_ports[link]

    def control(self, *args):
        return self._control.execute_command(*args)

    def links(self):
        """LINKS as {name: {field: int or str}}."""
        result = {}
        for line in self.control("LINKS"):
            fields = dict(field.split("=", 1) for field in line.split(" "))
            result[fields["name"]] = {key: _number_or_text(value) for key, value in fields.items()}
        return result

    def link(self, name):
        return self.links()[name]

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """SIGTERM; returns the exit status (0 for a clean stop, also under the sanitizers)."""
        self._control.connection_pool.disconnect()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def stop_cleanly(self):
        """stop(), failing the test if the proxy did not exit with 0 or a sanitizer spoke."""
        status = self.stop()
        text = self.log_text()
        assert status == 0 and "Sanitizer" not in text and "runtime error" not in text, text
