"""A raw RESP client for byte-exact comparisons: sends requests, returns each reply as a
tagged tree (type byte and payload), so an error text, a null, a RESP3 map or a double
compares exactly between tern-server and redis-server."""
import socket


class RespConnection:
    def __init__(self, port, timeout_s=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
        self.buffer = b""

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, (int, float)):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def command(self, *args):
        self.send_raw(self.encode(args))
        return self.read_reply()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buffer += chunk

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buffer) < n + 2:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n + 2:]
        return data

    def read_reply(self):
        line = self._line()
        kind, rest = chr(line[0]), line[1:]
        if kind in "+-:,#(_":
            return (kind, rest.decode(errors="replace"))
        if kind in "$=!":
            n = int(rest)
            return (kind, None) if n < 0 else (kind, self._exact(n))
        if kind in "*~>":
            n = int(rest)
            return (kind, None) if n < 0 else (kind, [self.read_reply() for _ in range(n)])
        if kind == "%":
            n = int(rest)
            return (kind, [(self.read_reply(), self.read_reply()) for _ in range(n)])
        raise ValueError(f"unknown reply type {line!r}")

    def closed_by_peer(self, timeout_s=5):
        """True once the server has closed the connection (reads EOF)."""
        self.sock.settimeout(timeout_s)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buffer += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
