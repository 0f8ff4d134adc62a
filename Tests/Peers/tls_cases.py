#!/usr/bin/env python3
"""What grpcio does with TLS failures and bad TLS input: the ground truth for this runtime.

Usage: tls_cases.py [--quick]

Starts grpcio servers in this process (the TestService of peer_server.py plus a probe service,
with the certificates of Tests/Certificates), runs every case against them, and prints one line
per case:

    CASE <name> code=<grpc.StatusCode name> details=<details>     a grpcio client's call
    CASE <name> server=<what the server did>                      a raw socket client

followed by indented lines with more of what was seen: `answer:` (a method's answer, such as
`AuthContext`), `log:` (what grpc's core logged to stderr meanwhile, timestamps and source line
numbers removed), `then:` (a normal TLS call made afterwards: does the server keep serving).
Ports, socket paths and other run-specific values are replaced by placeholders such as <port>,
so that two runs give the same text (tls_cases_grpcio.txt is one run's output). --quick skips
the stalled-handshake case, which takes about 30 s.

Every socket operation and every call has a timeout.
"""

import argparse
import os
import re
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import hpack

from peer_common import method_path
from peer_server import TestService

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "Certificates")
CALL_TIMEOUT_S = 5.0
IO_TIMEOUT_S = 5.0
STALL_LIMIT_S = 30.0  # how long the stalled handshake case waits for grpcio to close
SHORT_HANDSHAKE_TIMEOUT_MS = 2000  # grpc.server_handshake_timeout_ms of one server

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, SETTINGS, GOAWAY, RST_STREAM = 0, 1, 4, 7, 3
FRAME_NAMES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS",
               5: "PUSH_PROMISE", 6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}
H2_ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
             "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
             "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
             "HTTP_1_1_REQUIRED"]
TLS_ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
              22: "record_overflow", 40: "handshake_failure", 42: "bad_certificate",
              43: "unsupported_certificate", 44: "certificate_revoked",
              45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
              48: "unknown_ca", 50: "decode_error", 51: "decrypt_error",
              70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
              90: "user_canceled", 109: "missing_extension", 112: "unrecognized_name",
              116: "certificate_required", 120: "no_application_protocol"}


def pem(name):
    with open(os.path.join(CERTS, name), "rb") as file:
        return file.read()


# ---------------------------------------------------------------------------------------------
# Output: placeholders for run-specific values, grpc core's log lines


class Output:
    def __init__(self):
        self.ports = set()
        self.paths = {}
        self.replacements = []  # (text, placeholder)

    def stable(self, text):
        for value, placeholder in self.replacements:
            text = text.replace(value, placeholder)
        for path, placeholder in self.paths.items():
            text = text.replace(path, placeholder)
        # Addresses with a port: servers' ports and clients' ephemeral ones alike.
        text = re.sub(r"((?:ipv4:|ipv6:)?(?:\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]|%5B[0-9a-fA-F:]+%5D"
                      r"|localhost)):\d+", r"\1:<port>", text)
        for port in self.ports:
            text = re.sub(rf"(?<=:){port}\b", "<port>", text)
        return re.sub(r"0x[0-9a-f]{6,}", "<address>", text)

    def line(self, text):
        print(self.stable(text), flush=True)


OUT = Output()


class CoreLog:
    """grpc core writes its log to file descriptor 2: send that to a file and read it per case."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.saved = os.dup(2)
        os.dup2(self.file.fileno(), 2)
        self.offset = 0

    def new_lines(self):
        time.sleep(0.3)  # lines logged by other threads right after the case ended
        self.file.seek(self.offset)
        data = self.file.read()
        self.offset += len(data)
        lines = []
        for raw in data.decode("utf-8", "replace").splitlines():
            # Only each entry's first line: later lines are source traces and channel args.
            match = re.match(r"^[IWEF]\d{4} [\d:.]+\s+\d+ ([^:\]]+):\d+\] (.*)$", raw)
            if not match:
                continue
            text = f"{match.group(1)}] {match.group(2)}"
            if not lines or lines[-1] != text:
                lines.append(text)
        return lines

    def restore(self):
        os.dup2(self.saved, 2)


# ---------------------------------------------------------------------------------------------
# Servers


PROBES = {}  # x-probe key -> what the probe handler saw
PROBE_DONE = {}  # x-probe key -> threading.Event set when the handler has ended
PROBE_PATH = "/tlscases.Probe/Collect"


def _probe(request_iterator, context):
    """Reads every request, then records how the request stream ended and what the call saw."""
    key = dict(context.invocation_metadata()).get("x-probe", "")
    ended = threading.Event()
    context.add_callback(ended.set)
    count = 0
    try:
        for _ in request_iterator:
            count += 1
    except grpc.RpcError:
        pass  # grpcio either raises RpcError or just ends the requests here, run to run
    ended.wait(2.0)
    PROBES[key] = (f"the handler read {count} whole messages, then the requests stopped (the "
                   f"iterator raises RpcError or ends); is_active={context.is_active()}, "
                   f"termination callback ran={ended.is_set()}")
    PROBE_DONE.setdefault(key, threading.Event()).set()
    return b""


def probe_handler():
    return grpc.method_handlers_generic_handler(
        "tlscases.Probe", {"Collect": grpc.stream_unary_rpc_method_handler(_probe)}
    )


def ssl_server(cert, key, client_ca=None, require=False):
    return grpc.ssl_server_credentials(
        [(pem(key), pem(cert))],
        root_certificates=pem(client_ca) if client_ca else None,
        require_client_auth=require,
    )


SERVERS = []


def start_server(address, credentials=None, options=()):
    """A grpcio server with the TestService and the probe at `address`; returns its port."""
    server = grpc.server(
        ThreadPoolExecutor(max_workers=4),
        handlers=[TestService().generic_handler(), probe_handler()],
        options=list(options),
    )
    if credentials is None:
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, credentials)
    server.start()
    SERVERS.append(server)
    if not address.startswith("unix:"):
        OUT.ports.add(port)
    return port


# ---------------------------------------------------------------------------------------------
# grpcio clients


LOCAL_POOL = [("grpc.use_local_subchannel_pool", 1)]  # no connection shared between cases


def ssl_channel(target, ca="ca.pem", cert=None, key=None, options=()):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pem(ca),
        private_key=pem(key) if key else None,
        certificate_chain=pem(cert) if cert else None,
    )
    return grpc.secure_channel(target, credentials, options=LOCAL_POOL + list(options))


def insecure_channel(target):
    return grpc.insecure_channel(target, options=LOCAL_POOL)


def call(channel, method="Unary", request=b"hello", **kwargs):
    """Calls a TestService method; returns (code name, details, response or None)."""
    try:
        response = channel.unary_unary(method_path(method))(
            request, timeout=CALL_TIMEOUT_S, **kwargs
        )
    except grpc.RpcError as error:
        return error.code().name, error.details(), None
    return "OK", "", response


class Case:
    """One case's output: its line, then its indented notes and the core log lines."""

    def __init__(self, log, name):
        self.log = log
        self.name = name
        self.notes = []

    def status(self, code, details):
        self.head = f"CASE {self.name} code={code} details={details}"

    def server(self, what):
        self.head = f"CASE {self.name} server={what}"

    def note(self, label, text):
        lines = text.rstrip("\n").split("\n")
        self.notes.append(f"  {label}: {lines[0]}")
        self.notes.extend(f"    {line}" for line in lines[1:])

    def answer(self, response):
        text = response.decode("utf-8", "replace")
        for name in ("client.pem", "other-client.pem", "server.pem"):
            text = text.replace(pem(name).decode(), f"<contents of {name}>\n")
        self.note("answer", text)

    def emit(self):
        OUT.line(self.head)
        for note in self.notes:
            OUT.line(note)
        for line in self.log.new_lines():
            OUT.line(f"  log: {line}")


def call_case(case, channel, method="Unary", request=b"hello", **kwargs):
    code, details, response = call(channel, method, request, **kwargs)
    case.status(code, details)
    if response is not None and method != "Unary":
        case.answer(response)
    return code


def still_serving(case, port):
    with ssl_channel(f"localhost:{port}") as channel:
        code, details, response = call(channel, request=b"after")
    ok = code == "OK" and response == b"after"
    case.note("then", "a TLS call to the same server: " + ("OK" if ok else f"{code} {details}"))


# ---------------------------------------------------------------------------------------------
# Raw TLS and HTTP/2


def describe_tls_bytes(data):
    """TLS records in `data`, as text (an alert names its description)."""
    parts = []
    offset = 0
    while offset + 5 <= len(data):
        kind, version, length = struct.unpack(">BHH", data[offset:offset + 5])
        body = data[offset + 5:offset + 5 + length]
        if kind == 21 and len(body) == 2:
            level = "fatal" if body[0] == 2 else "warning"
            parts.append(f"alert {level} {TLS_ALERTS.get(body[1], body[1])}")
        else:
            names = {20: "change_cipher_spec", 22: "handshake", 23: "application_data", 21: "alert"}
            parts.append(f"{names.get(kind, f'record type {kind}')} record")
        offset += 5 + length
    if offset < len(data) or not parts:
        parts.append(f"{len(data) - offset} bytes that are not a TLS record: {data[offset:offset + 16]!r}")
    return ", ".join(parts)


def read_until_closed(sock, limit):
    """Reads until the peer closes (or resets) or `limit` seconds pass.
    Returns (bytes, how it ended, seconds)."""
    start = time.monotonic()
    received = b""
    while True:
        remaining = limit - (time.monotonic() - start)
        if remaining <= 0:
            return received, "still open", time.monotonic() - start
        sock.settimeout(min(remaining, 1.0))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return received, "reset (RST)", time.monotonic() - start
        if not data:
            return received, "closed (FIN)", time.monotonic() - start
        received += data


def client_hello(alpn=("h2",)):
    """The bytes of a real TLS ClientHello (from Python's ssl module)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if alpn:
        context.set_alpn_protocols(list(alpn))
    outgoing = ssl.MemoryBIO()
    tls = context.wrap_bio(ssl.MemoryBIO(), outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class RawTLS:
    """A TLS client over a plain socket through memory BIOs, so that the bytes on the wire can
    be cut anywhere."""

    def __init__(self, port, alpn=("h2",), host="127.0.0.1"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(os.path.join(CERTS, "ca.pem"))
        if alpn is not None:
            context.set_alpn_protocols(list(alpn))
        self.sock = socket.create_connection((host, port), timeout=IO_TIMEOUT_S)
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")
        self.encoder = hpack.Encoder()

    def handshake(self):
        """Returns None once done, or what ended it (an ssl error or the connection closing)."""
        while True:
            try:
                self.tls.do_handshake()
                self.sock.sendall(self.outgoing.read())
                return None
            except ssl.SSLWantReadError:
                self.sock.sendall(self.outgoing.read())
                try:
                    data = self.sock.recv(65536)
                except (socket.timeout, ConnectionResetError) as error:
                    return f"{type(error).__name__} while handshaking"
                if not data:
                    return "the server closed the connection during the handshake"
                self.incoming.write(data)
            except ssl.SSLError as error:
                self.sock.sendall(self.outgoing.read())
                return f"handshake failed: {error.reason or type(error).__name__}"

    def records(self, plaintext):
        """The TLS records carrying `plaintext` (not sent)."""
        self.tls.write(plaintext)
        return self.outgoing.read()

    def send(self, plaintext):
        self.sock.sendall(self.records(plaintext))

    def receive(self, limit):
        """Decrypts what arrives until the server closes or `limit` seconds pass.
        Returns (plaintext, how it ended)."""
        raw, how, _ = read_until_closed(self.sock, limit)
        self.incoming.write(raw)
        plaintext = b""
        while True:
            try:
                chunk = self.tls.read(65536)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                how += ", after close_notify"
                break
            except ssl.SSLError as error:
                how += f", TLS error {error.reason}"
                break
            if not chunk:
                break
            plaintext += chunk
        return plaintext, how

    def close(self):
        self.sock.close()


def frame(kind, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream_id) + payload


def request_headers(encoder, path, probe=None, end_stream=False):
    """A HEADERS frame of stream 1 for a call of `path`, with `x-probe: probe` if given."""
    fields = [(":method", "POST"), (":scheme", "https"), (":path", path),
              (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers")]
    if probe is not None:
        fields.append(("x-probe", probe))
    return frame(HEADERS, 0x4 | (0x1 if end_stream else 0), 1, encoder.encode(fields))


def describe_frames(data):
    """The frames in `data`, leaving out SETTINGS, WINDOW_UPDATE and PING (how many of those
    grpcio sends varies from run to run)."""
    if not data:
        return "nothing"
    decoder = hpack.Decoder()
    parts = []
    offset = 0
    while offset + 9 <= len(data):
        length = int.from_bytes(data[offset:offset + 3], "big")
        kind, flags, stream_id = struct.unpack(">BBI", data[offset + 3:offset + 9])
        payload = data[offset + 9:offset + 9 + length]
        name = FRAME_NAMES.get(kind, f"type{kind}")
        if kind == GOAWAY and len(payload) >= 8:
            code = struct.unpack(">I", payload[4:8])[0]
            name += f"({H2_ERRORS[code] if code < len(H2_ERRORS) else code} {payload[8:]!r})"
        elif kind == RST_STREAM and len(payload) == 4:
            code = struct.unpack(">I", payload)[0]
            name += f"({H2_ERRORS[code] if code < len(H2_ERRORS) else code})"
        elif kind == HEADERS:
            try:
                fields = decoder.decode(payload)
                wanted = [f"{k}: {v}" for k, v in fields if k in (":status", "grpc-status", "grpc-message")]
                name += f"({', '.join(wanted)})"
            except Exception:  # pylint: disable=broad-except
                name += "(undecodable)"
        if kind not in (SETTINGS, 6, 8):
            parts.append(name)
        offset += 9 + length
    if offset < len(data):
        parts.append(f"{len(data) - offset} more bytes")
    return ", ".join(parts) or "no frames but SETTINGS, WINDOW_UPDATE, PING"


def grpc_message(payload, declared=None):
    return struct.pack(">BI", 0, len(payload) if declared is None else declared) + payload


# ---------------------------------------------------------------------------------------------
# The cases


class Plugin(grpc.AuthMetadataPlugin):
    def __init__(self, behaviour, seen=None):
        self.behaviour = behaviour
        self.seen = seen

    def __call__(self, context, callback):
        if self.seen is not None:
            self.seen.append(f"service_url={context.service_url} method_name={context.method_name}")
        if self.behaviour == "raise":
            raise Exception("plugin boom")
        if self.behaviour == "error":
            callback(None, Exception("plugin refused"))
        else:
            callback((("x-plugin", "yes"),), None)


def run_cases(log, ports, uds_path, quick):
    tls, mtls, plain = ports["tls"], ports["mtls"], ports["plain"]

    def case(name):
        return Case(log, name)

    stall_results = {}
    stall_threads = []
    if not quick:
        # Started first: they take long and need no attention meanwhile.
        def stall(key, port, limit):
            sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT_S)
            hello = client_hello()
            sock.sendall(hello[: len(hello) // 2])
            stall_results[key] = read_until_closed(sock, limit)
            sock.close()

        for key, port, limit in (("default", tls, STALL_LIMIT_S),
                                 ("short", ports["short_handshake"], 10.0)):
            thread = threading.Thread(target=stall, args=(key, port, limit), daemon=True)
            thread.start()
            stall_threads.append(thread)

    log.new_lines()

    # --- wrong protocol on either side
    c = case("plaintext_client_on_tls_port")
    with insecure_channel(f"localhost:{tls}") as channel:
        call_case(c, channel)
    c.emit()

    c = case("tls_client_on_plaintext_port")
    with ssl_channel(f"localhost:{plain}") as channel:
        call_case(c, channel)
    c.emit()

    for name, data in (("garbage_instead_of_client_hello", bytes(range(256)) * 4),
                       ("h2_preface_instead_of_client_hello", PREFACE + frame(SETTINGS, 0, 0))):
        c = case(name)
        sock = socket.create_connection(("127.0.0.1", tls), timeout=IO_TIMEOUT_S)
        try:
            sock.sendall(data)
        except OSError as error:
            c.note("send", f"{type(error).__name__}")
        received, how, _ = read_until_closed(sock, IO_TIMEOUT_S)
        sock.close()
        c.server(f"{how}; sent {describe_tls_bytes(received) if received else 'nothing'}")
        still_serving(c, tls)
        c.emit()

    # --- server certificates the client must refuse
    for name, port_key, target_host in (
        ("expired_server_cert", "expired", "localhost"),
        ("not_yet_valid_server_cert", "not_yet_valid", "localhost"),
        ("wrong_host_cert", "wrong_host", "localhost"),
        ("untrusted_server_cert", "other_server", "localhost"),
        ("server_cert_ip_san_127_0_0_1", "tls", "127.0.0.1"),
        ("server_cert_ip_san_ipv6", "tls", "[::1]"),
    ):
        c = case(name)
        with ssl_channel(f"{target_host}:{ports[port_key]}") as channel:
            call_case(c, channel)
        c.emit()

    for name, override, port_key in (
        ("target_name_override_foo_test_google_fr", "foo.test.google.fr", "tls"),
        ("target_name_override_not_in_cert", "nothere.example.com", "tls"),
        ("wrong_host_cert_with_override_wrong_example_com", "wrong.example.com", "wrong_host"),
    ):
        c = case(name)
        options = [("grpc.ssl_target_name_override", override)]
        with ssl_channel(f"127.0.0.1:{ports[port_key]}", options=options) as channel:
            call_case(c, channel, "AuthContext")
        c.emit()

    for name, authority in (("default_authority_option_without_override", "foo.test.google.fr"),
                            ("default_authority_option_not_in_cert", "nothere.example.com")):
        c = case(name)
        with ssl_channel(f"127.0.0.1:{tls}", options=[("grpc.default_authority", authority)]) as channel:
            call_case(c, channel, "AuthContext")
        c.emit()

    # --- client certificates
    c = case("missing_client_cert_when_required")
    with ssl_channel(f"localhost:{mtls}") as channel:
        call_case(c, channel)
    c.emit()

    c = case("client_cert_from_other_ca")
    with ssl_channel(f"localhost:{mtls}", cert="other-client.pem", key="other-client.key") as channel:
        call_case(c, channel)
    c.emit()

    c = case("client_cert_required_and_given")
    with ssl_channel(f"localhost:{mtls}", cert="client.pem", key="client.key") as channel:
        call_case(c, channel)
    c.emit()

    c = case("client_cert_from_other_ca_not_required")
    with ssl_channel(f"localhost:{ports['client_ca_optional']}", cert="other-client.pem",
                     key="other-client.key") as channel:
        call_case(c, channel, "AuthContext")
    c.emit()

    # --- raw TLS connections that end badly
    c = case("truncated_tls_record")
    raw = RawTLS(tls)
    failure = raw.handshake()
    if failure:
        c.server(failure)
    else:
        key = "truncated"
        raw.send(PREFACE + frame(SETTINGS, 0, 0) + request_headers(raw.encoder, PROBE_PATH, key))
        record = raw.records(frame(DATA, 0, 1, grpc_message(b"x" * 100)))
        raw.sock.sendall(record[: len(record) // 2])
        time.sleep(0.3)
        raw.close()
        done = PROBE_DONE.setdefault(key, threading.Event())
        c.server("after the TCP close: " + (PROBES[key] if done.wait(5) else
                                             "the handler had not ended 5 s later"))
    still_serving(c, tls)
    c.emit()

    c = case("close_without_close_notify_mid_message")
    raw = RawTLS(tls)
    failure = raw.handshake()
    key = "no-close-notify"
    if failure:
        c.server(failure)
    else:
        raw.send(PREFACE + frame(SETTINGS, 0, 0) + request_headers(raw.encoder, PROBE_PATH, key))
        raw.send(frame(DATA, 0, 1, grpc_message(b"y" * 10)))  # one whole message
        raw.send(frame(DATA, 0, 1, grpc_message(b"z" * 10, declared=1000)))  # 10 of 1000 bytes
        time.sleep(0.3)
        raw.close()  # no close_notify
        done = PROBE_DONE.setdefault(key, threading.Event())
        c.server("after the TCP close: " + (PROBES[key] if done.wait(5) else
                                             "the handler had not ended 5 s later"))
    still_serving(c, tls)
    c.emit()

    c = case("close_notify_then_close_mid_message")
    raw = RawTLS(tls)
    key = "close-notify"
    if not raw.handshake():
        raw.send(PREFACE + frame(SETTINGS, 0, 0) + request_headers(raw.encoder, PROBE_PATH, key))
        raw.send(frame(DATA, 0, 1, grpc_message(b"z" * 10, declared=1000)))
        time.sleep(0.3)
        try:
            raw.tls.unwrap()
        except ssl.SSLWantReadError:
            pass
        raw.sock.sendall(raw.outgoing.read())
        plaintext, how = raw.receive(IO_TIMEOUT_S)
        raw.close()
        done = PROBE_DONE.setdefault(key, threading.Event())
        c.server(f"after our close_notify (waiting up to {IO_TIMEOUT_S:.0f} s) the connection: "
                 f"{how}; the server had sent {describe_frames(plaintext)}; after we closed TCP: "
                 + (PROBES[key] if done.wait(5) else "the handler had not ended 5 s later"))
    c.emit()

    for name, alpn in (("alpn_http11_only", ("http/1.1",)), ("no_alpn", None),
                       ("alpn_h2", ("h2",))):
        c = case(name)
        raw = RawTLS(tls, alpn=alpn)
        failure = raw.handshake()
        if failure:
            c.server(failure)
        else:
            selected = raw.tls.selected_alpn_protocol()
            plaintext, how = raw.receive(1.0)  # before we send anything
            if how.startswith("still open"):
                raw.send(PREFACE + frame(SETTINGS, 0, 0)
                         + request_headers(raw.encoder, method_path("Unary"))
                         + frame(DATA, 0x1, 1, grpc_message(b"hi")))
                plaintext, how = raw.receive(2.0)
                c.server(f"handshake done, ALPN {selected}; to a request the server sent "
                         f"{describe_frames(plaintext)}; connection {how}")
            else:
                c.server(f"handshake done, ALPN {selected}; then, before any request, the "
                         f"connection {how}, the server having sent {describe_frames(plaintext)}")
        raw.close()
        c.emit()

    # --- call credentials
    secure = f"localhost:{tls}"
    for name, make_channel, per_call in (
        ("access_token_secure_channel_composite", "composite", None),
        ("access_token_secure_channel_per_call", "ssl", "token"),
        ("access_token_insecure_channel_per_call", "insecure", "token"),
        ("plugin_ok_secure_channel_per_call", "ssl", "ok"),
        ("plugin_raises_secure_channel", "ssl", "raise"),
        ("plugin_raises_insecure_channel", "insecure", "raise"),
        ("plugin_callback_error_secure_channel", "ssl", "error"),
        ("plugin_callback_error_insecure_channel", "insecure", "error"),
        ("composite_call_credentials_token_and_plugin", "ssl", "composite"),
    ):
        c = case(name)
        seen = []
        if make_channel == "composite":
            credentials = grpc.composite_channel_credentials(
                grpc.ssl_channel_credentials(root_certificates=pem("ca.pem")),
                grpc.access_token_call_credentials("secret-token"),
            )
            channel = grpc.secure_channel(secure, credentials, options=LOCAL_POOL)
        elif make_channel == "ssl":
            channel = ssl_channel(secure)
        else:
            channel = insecure_channel(f"localhost:{plain}")
        call_credentials = {
            None: None,
            "token": grpc.access_token_call_credentials("secret-token"),
            "composite": grpc.composite_call_credentials(
                grpc.access_token_call_credentials("secret-token"),
                grpc.metadata_call_credentials(Plugin("ok", seen), name="test-plugin"),
            ),
        }.get(per_call) or grpc.metadata_call_credentials(Plugin(per_call, seen), name="test-plugin")
        kwargs = {"credentials": call_credentials} if per_call else {}
        with channel:
            call_case(c, channel, "Metadata", b"", **kwargs)
        for entry in seen[:1]:
            c.note("plugin context", entry)
        c.emit()

    # --- local credentials
    local_tcp = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    local_uds = grpc.local_channel_credentials(grpc.LocalConnectionType.UDS)
    for name, target, credentials in (
        ("local_tcp_auth_context", f"127.0.0.1:{ports['local_tcp']}", local_tcp),
        ("local_tcp_localhost_auth_context", f"localhost:{ports['local_tcp']}", local_tcp),
        ("local_uds_auth_context", f"unix:{uds_path}", local_uds),
    ):
        c = case(name)
        with grpc.secure_channel(target, credentials, options=LOCAL_POOL) as channel:
            call_case(c, channel, "AuthContext")
            code, details, response = call(channel, "Peer", b"")
            c.note("peer", response.decode() if response else f"{code} {details}")
        c.emit()
    for name, target, credentials in (
        ("local_tcp_access_token", f"127.0.0.1:{ports['local_tcp']}", local_tcp),
        ("local_uds_access_token", f"unix:{uds_path}", local_uds),
    ):
        c = case(name)
        with grpc.secure_channel(target, credentials, options=LOCAL_POOL) as channel:
            call_case(c, channel, "Metadata", b"",
                      credentials=grpc.access_token_call_credentials("secret-token"))
        c.emit()
    c = case("insecure_client_on_local_tcp_server")
    with insecure_channel(f"127.0.0.1:{ports['local_tcp']}") as channel:
        call_case(c, channel)
    c.emit()
    c = case("local_tcp_client_on_insecure_server")
    with grpc.secure_channel(f"127.0.0.1:{plain}", local_tcp, options=LOCAL_POOL) as channel:
        call_case(c, channel, "AuthContext")
    c.emit()
    c = case("local_uds_credentials_over_tcp")
    with grpc.secure_channel(f"127.0.0.1:{ports['local_tcp']}", local_uds, options=LOCAL_POOL) as channel:
        call_case(c, channel)
    c.emit()

    # --- what the server sees of its client
    for name, target, kwargs in (
        ("auth_context_tls_without_client_cert", f"localhost:{tls}", {}),
        ("auth_context_tls_client_cert_not_requested", f"localhost:{ports['client_ca_optional']}",
         {"cert": "client.pem", "key": "client.key"}),
        ("auth_context_mutual_tls", f"localhost:{mtls}", {"cert": "client.pem", "key": "client.key"}),
    ):
        c = case(name)
        with ssl_channel(target, **kwargs) as channel:
            call_case(c, channel, "AuthContext")
        c.emit()
    c = case("auth_context_insecure")
    with insecure_channel(f"localhost:{plain}") as channel:
        call_case(c, channel, "AuthContext")
    c.emit()

    for name, host in (("peer_tls_ipv4", "127.0.0.1"), ("peer_tls_ipv6", "[::1]"),
                       ("peer_tls_localhost", "localhost")):
        c = case(name)
        with ssl_channel(f"{host}:{tls}") as channel:
            call_case(c, channel, "Peer", b"")
        c.emit()

    # --- the stalled handshakes, started first
    for thread in stall_threads:
        thread.join(STALL_LIMIT_S + 5)
    if stall_threads:
        for key, label in (("default", "default server options"),
                           ("short", f"grpc.server_handshake_timeout_ms={SHORT_HANDSHAKE_TIMEOUT_MS}")):
            c = case(f"stalled_handshake_half_client_hello ({label})")
            received, how, seconds = stall_results.get(key, (b"", "no result", 0))
            if how == "still open":
                what = f"still open after {seconds:.0f} s"
            else:
                what = f"{how} after about {round(seconds)} s"
            sent = describe_tls_bytes(received) if received else "nothing"
            c.server(f"{what}; sent {sent}")
            if key == "default":
                c.note("meanwhile", "every other case of this run talked to this server")
            c.emit()


HEADER = [
    "What grpcio does with TLS failures and bad TLS input. Produced by Tests/Peers/tls_cases.py:",
    "    cd Tests/Peers && ../../.venv/bin/python tls_cases.py > tls_cases_grpcio.txt",
    "grpcio servers and clients in one process, the certificates of Tests/Certificates; the",
    "docstring of tls_cases.py says what each line means. Ports and socket paths are replaced by",
    "placeholders; `log:` lines are what grpc core wrote to stderr during the case.",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the stalled-handshake case")
    args = parser.parse_args()

    log = CoreLog()
    uds_dir = tempfile.mkdtemp(prefix="tls-cases-")
    uds_path = os.path.join(uds_dir, "local.sock")
    OUT.paths[uds_path] = "<uds>"
    try:
        ports = {
            "tls": start_server("[::]:0", ssl_server("server.pem", "server.key")),
            "mtls": start_server("[::]:0", ssl_server("server.pem", "server.key", "ca.pem", True)),
            "client_ca_optional": start_server(
                "[::]:0", ssl_server("server.pem", "server.key", "ca.pem", False)),
            "plain": start_server("[::]:0"),
            "expired": start_server("[::]:0", ssl_server("expired.pem", "expired.key")),
            "not_yet_valid": start_server("[::]:0", ssl_server("not-yet-valid.pem", "not-yet-valid.key")),
            "wrong_host": start_server("[::]:0", ssl_server("wrong-host.pem", "wrong-host.key")),
            "other_server": start_server("[::]:0", ssl_server("other-server.pem", "other-server.key")),
            "short_handshake": start_server(
                "[::]:0", ssl_server("server.pem", "server.key"),
                options=[("grpc.server_handshake_timeout_ms", SHORT_HANDSHAKE_TIMEOUT_MS)]),
            "local_tcp": start_server(
                "127.0.0.1:0", grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP)),
        }
        start_server(f"unix:{uds_path}", grpc.local_server_credentials(grpc.LocalConnectionType.UDS))
        for line in HEADER:
            OUT.line(f"# {line}")
        OUT.line(f"# grpcio {grpc.__version__}, Python's ssl module: {ssl.OPENSSL_VERSION}")
        run_cases(log, ports, uds_path, args.quick)
    finally:
        for server in SERVERS:
            server.stop(None)
        log.restore()
        try:
            os.unlink(uds_path)
            os.rmdir(uds_dir)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
