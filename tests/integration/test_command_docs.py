"""COMMAND DOCS: tern describes each command's arguments the way redis-server 7.0.15 (the
anchor) does, with everything redis-cli reads to build its help and hints.

What redis-cli 7.0 reads (cliInitHelp, cliInitCommandHelpEntry and cliAddArgument in
redis-cli.c): it sends COMMAND DOCS once, in RESP2 unless started with -3, and takes from
each command's map `summary`, `since` and `group` (bulk strings), `arguments` (an array) and
`subcommands` (a map keyed "container|sub", whose part after '|' becomes the second word).
Each argument is a map with `name` and `type` (bulk strings; it dereferences both), `token`
(bulk string), `flags` (a set, an array under RESP2, of *simple* strings: optional, multiple,
multiple_token; it asserts the reply type) and, for oneof and block, a non-empty `arguments`.
The hint for a command is the string cliAddArgument renders from those fields; `render_hint`
below is that function in Python.
"""
import os
import pty
import select
import struct
import subprocess
import time

import fcntl
import pytest
import termios

from conftest import REDIS_CLI
from resp_client import RespConnection

SAMPLE = ["SET", "GET", "ZADD", "ZRANGE", "HSET", "EXPIRE"]
ARGUMENT_TYPES = {"key", "string", "integer", "double", "pattern", "unix-time", "pure-token",
                  "oneof", "block"}
ARGUMENT_FLAGS = {"optional", "multiple", "multiple_token"}


def plain(reply):
    """A RESP3 reply tree as Python values; maps become dicts, simple strings keep a '+'."""
    kind, value = reply
    if kind == "%":
        return {plain(k): plain(v) for k, v in value}
    if kind in "*~":
        return [plain(element) for element in value]
    if kind in "$=":
        return value.decode()
    if kind == "+":
        return "+" + value
    return value


def command_docs(server, *names):
    connection = RespConnection(server.port)
    try:
        connection.command("HELLO", "3")
        return plain(connection.command("COMMAND", "DOCS", *names))
    finally:
        connection.close()


def shape(arguments):
    """Types, tokens and flags in order, recursively; names left out."""
    return [(a["type"], a.get("token"), tuple(a.get("flags", [])), shape(a.get("arguments", [])))
            for a in arguments]


def render_hint(arguments):
    """redis-cli 7.0's cliConcatArguments/cliAddArgument, over the RESP3 form."""
    return " ".join(render_argument(a) for a in arguments)


def render_argument(argument):
    kind, flags = argument["type"], [f.lstrip("+") for f in argument.get("flags", [])]
    token = argument.get("token", "")
    if kind == "oneof":
        repeated = "|".join(render_argument(a) for a in argument["arguments"])
    elif kind == "block":
        repeated = " ".join(render_argument(a) for a in argument["arguments"])
    elif kind == "pure-token":
        repeated = ""
    else:
        repeated = argument["name"] or '""'
    if token and kind != "pure-token":
        token += " "
    text = ("[" if "optional" in flags else "") + token + repeated
    if "multiple" in flags:
        text += " [" + (token if "multiple_token" in flags else "") + repeated + " ...]"
    return text + ("]" if "optional" in flags else "")


@pytest.mark.parametrize("name", SAMPLE)
def test_arguments_have_the_shape_redis_gives_them(tern, anchor, name):
    ours = command_docs(tern, name)[name.lower()]
    theirs = command_docs(anchor, name)[name.lower()]
    assert shape(ours["arguments"]) == shape(theirs["arguments"])


@pytest.mark.parametrize("name", SAMPLE)
def test_redis_cli_renders_the_same_hint_for_tern_as_for_redis(tern, anchor, name):
    ours = command_docs(tern, name)[name.lower()]
    theirs = command_docs(anchor, name)[name.lower()]
    assert render_hint(ours["arguments"]) == render_hint(theirs["arguments"])


def test_client_subcommands_are_keyed_and_shaped_as_redis_keys_them(tern, anchor):
    ours = command_docs(tern, "CLIENT")["client"]
    theirs = command_docs(anchor, "CLIENT")["client"]
    assert "arguments" not in ours  # a container: its subcommands carry the arguments
    assert set(ours["subcommands"]) <= set(theirs["subcommands"])
    for sub in ["client|setname", "client|no-evict", "client|getname", "client|id"]:
        assert shape(ours["subcommands"][sub].get("arguments", [])) == \
            shape(theirs["subcommands"][sub].get("arguments", [])), sub


def check_argument_resp2(entry, where):
    """One argument as RESP2 carries it: a flat array of field/value pairs."""
    kind, items = entry
    assert kind == "*" and len(items) % 2 == 0, where
    fields = {}
    for (key_kind, key), value in zip(items[0::2], items[1::2]):
        assert key_kind == "$", where
        fields[key.decode()] = value
    assert fields["name"][0] == "$" and fields["type"][0] == "$", where
    argument_type = fields["type"][1].decode()
    assert argument_type in ARGUMENT_TYPES, where
    if "token" in fields:
        assert fields["token"][0] == "$", where
    if argument_type == "pure-token":
        assert "token" in fields, where
    if "flags" in fields:
        flags_kind, flags = fields["flags"]
        assert flags_kind == "*", where
        assert all(k == "+" and v in ARGUMENT_FLAGS for k, v in flags), where
    if argument_type in ("oneof", "block"):
        nested_kind, nested = fields["arguments"]
        assert nested_kind == "*" and nested, where
        for child in nested:
            check_argument_resp2(child, where)


def check_docs_resp2(name, docs, where):
    kind, items = docs
    assert kind == "*" and len(items) % 2 == 0, where
    fields = {key.decode(): value for (_, key), value in zip(items[0::2], items[1::2])}
    for field in ("summary", "since", "group"):
        assert fields[field][0] == "$" and fields[field][1], f"{where}: {field}"
    if "arguments" in fields:
        assert fields["arguments"][0] == "*", where
        for argument in fields["arguments"][1]:
            check_argument_resp2(argument, where)
    if "subcommands" in fields:
        sub_kind, subs = fields["subcommands"]
        assert sub_kind == "*" and subs, where
        for (_, sub_name), sub_docs in zip(subs[0::2], subs[1::2]):
            assert sub_name.decode().startswith(name + "|"), where
            check_docs_resp2(sub_name.decode(), sub_docs, f"{where} {sub_name.decode()}")
    return fields


def test_every_command_carries_what_redis_cli_reads_in_resp2(tern):
    connection = RespConnection(tern.port)
    names = [name.decode() for _, name in connection.command("COMMAND", "LIST")[1]]
    arities = {entry[1][0][1].decode(): int(entry[1][1][1])
               for entry in connection.command("COMMAND")[1]}
    kind, items = connection.command("COMMAND", "DOCS")
    connection.close()
    assert kind == "*"
    documented = {}
    for (_, name), docs in zip(items[0::2], items[1::2]):
        documented[name.decode()] = check_docs_resp2(name.decode(), docs, name.decode())
    assert sorted(documented) == sorted(names)
    for name, fields in documented.items():
        if abs(arities[name]) > 1:  # takes arguments, so redis-cli has something to hint
            assert "arguments" in fields or "subcommands" in fields, name


def test_every_argument_tree_is_well_formed_in_resp3(tern):
    def check(arguments, where):
        for argument in arguments:
            assert argument["type"] in ARGUMENT_TYPES, where
            assert all(flag.startswith("+") for flag in argument.get("flags", [])), where
            if argument["type"] in ("oneof", "block"):
                assert argument["arguments"], where
                check(argument["arguments"], where)

    for name, docs in command_docs(tern).items():
        check(docs.get("arguments", []), name)
        for sub_name, sub_docs in docs.get("subcommands", {}).items():
            assert sub_docs["summary"] and sub_docs["group"] == docs["group"], sub_name
            check(sub_docs.get("arguments", []), sub_name)


class InteractiveCli:
    """redis-cli on a pseudo-terminal, as a person runs it, read until a pattern shows."""

    def __init__(self, port):
        self.master, replica = pty.openpty()
        fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        env = dict(os.environ, TERM="xterm", REDISCLI_HISTFILE="/dev/null",
                   REDISCLI_RCFILE="/dev/null")
        self.process = subprocess.Popen([REDIS_CLI, "-p", str(port)], stdin=replica,
                                        stdout=replica, stderr=replica, env=env, close_fds=True)
        os.close(replica)
        self.output = b""

    def read_until(self, text, timeout_s=10.0):
        deadline = time.monotonic() + timeout_s
        while text not in self.output and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                self.output += os.read(self.master, 65536)
        return text in self.output

    def type(self, text):
        self.output = b""
        os.write(self.master, text.encode())

    def close(self):
        self.process.kill()
        self.process.wait(timeout=10)
        os.close(self.master)


@pytest.mark.parametrize("typed, hint", [
    # GEOPOS's member list is optional in tern (arity -2); redis-cli's built-in table says
    # "key member [member ...]", so this hint can only have come from tern's COMMAND DOCS.
    ("geopos ", "key [member [member ...]]"),
    ("set ", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
             "PXAT unix-time-milliseconds|KEEPTTL]"),
    ("client list ", "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]"),
])
def test_redis_cli_shows_tern_hints_as_you_type(tern, typed, hint):
    cli = InteractiveCli(tern.port)
    try:
        assert cli.read_until(f"127.0.0.1:{tern.port}> ".encode())
        cli.type(typed)
        # linenoise draws the hint in grey (90) after the typed text.
        assert cli.read_until(b"\x1b[0;90;49m" + hint.encode() + b"\x1b[0m"), cli.output[-400:]
    finally:
        cli.close()


def test_redis_cli_help_prints_terns_summary_and_syntax(tern):
    summary = command_docs(tern, "ZADD")["zadd"]["summary"]
    output = tern.cli("HELP", "ZADD")
    assert summary in output
    assert "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]" in output
