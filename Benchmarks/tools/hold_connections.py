"""Holds many HTTP/2 connections (and streams) open against a gRPC server, for the memory scenarios.

    python hold_connections.py --target 127.0.0.1:PORT --connections N [--streams-per-connection S]
                               [--tls CERTS_DIR]

1. Makes one UnaryCall of grpc.testing.BenchmarkService on a connection of its own and closes it,
   so the server's lazily created state exists; prints {"phase": "warm"} and waits for a line on
   stdin (the runner reads the server's memory then).
2. Opens N connections (client preface and SETTINGS, SETTINGS acknowledged, nothing else) and, with
   --streams-per-connection S, starts S StreamingCall streams on each: HEADERS without END_STREAM and
   no message, so every stream stays open with its handler waiting for a request. S is capped by the
   server's SETTINGS_MAX_CONCURRENT_STREAMS.
3. Keeps answering the server for --settle seconds, prints {"phase": "ready", ...} with how many
   connections and streams are still open, and holds everything until stdin is closed.

With --tls every connection is TLS (ALPN h2), trusting CERTS_DIR/ca.pem and checking the server's
certificate for foo.test.google.fr, as the bench-clients do; the handshake completes before the preface.

Needs the `h2` package (in the repository's .venv).
"""

import argparse
import json
import resource
import os
import selectors
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions

SERVICE = "/grpc.testing.BenchmarkService/"
# The name the server's certificate is checked against (as the bench-clients' grpc.ssl_target_name_override).
TLS_SERVER_NAME = "foo.test.google.fr"


def tls_context(certificates):
    context = ssl.create_default_context(cafile=os.path.join(certificates, "ca.pem"))
    context.set_alpn_protocols(["h2"])
    return context


class Connection:
    def __init__(self, address, authority, tls=None):
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tls = tls is not None
        if tls is not None:
            # The handshake blocks; then the connection is non-blocking like a plaintext one.
            self.sock = tls.wrap_socket(self.sock, server_hostname=TLS_SERVER_NAME)
            if self.sock.selected_alpn_protocol() != "h2":
                raise SystemExit("hold_connections: the server did not select ALPN h2")
        self.sock.setblocking(False)
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
        self.authority = authority
        self.open = True
        self.settings_received = False
        self.streams = set()
        self.ended = set()
        # Why streams ended: "reset <error code>" or "grpc-status <code> <message>".
        self.endings = {}
        self.h2.initiate_connection()
        self.flush()

    def flush(self):
        data = self.h2.data_to_send()
        while data and self.open:
            try:
                sent = self.sock.send(data)
                data = data[sent:]
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                time.sleep(0.001)
            except OSError:
                self.open = False

    def receive(self):
        try:
            data = self.sock.recv(65536)
            # TLS: what the last record decrypted beyond 65536 bytes waits in the SSL object, not the socket.
            while self.tls and data and self.sock.pending():
                data += self.sock.recv(self.sock.pending())
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except OSError:
            data = b""
        if not data:
            self.open = False
            return
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.open = False
            return
        for event in events:
            if isinstance(event, h2.events.RemoteSettingsChanged):
                self.settings_received = True
            elif isinstance(event, h2.events.StreamReset):
                self.ended.add(event.stream_id)
                self.endings.setdefault(event.stream_id, "reset %s" % event.error_code)
            elif isinstance(event, h2.events.StreamEnded):
                self.ended.add(event.stream_id)
            elif isinstance(event, (h2.events.TrailersReceived, h2.events.ResponseReceived)):
                fields = dict(event.headers)
                if b"grpc-status" in fields:
                    self.endings[event.stream_id] = "grpc-status %s %s" % (
                        fields[b"grpc-status"].decode(),
                        fields.get(b"grpc-message", b"").decode(),
                    )
            elif isinstance(event, h2.events.DataReceived):
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.open = False
        self.flush()

    def start_stream(self, method, message=None):
        stream_id = self.h2.get_next_available_stream_id()
        headers = [
            (b":method", b"POST"),
            (b":scheme", b"https" if self.tls else b"http"),
            (b":path", (SERVICE + method).encode()),
            (b":authority", self.authority.encode()),
            (b"content-type", b"application/grpc"),
            (b"te", b"trailers"),
        ]
        self.h2.send_headers(stream_id, headers, end_stream=False)
        if message is not None:
            self.h2.send_data(stream_id, message, end_stream=True)
        self.streams.add(stream_id)
        self.flush()
        return stream_id

    def server_stream_limit(self):
        return self.h2.remote_settings.max_concurrent_streams

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.open = False


def pump(selector, seconds, until=None):
    """Reads from every connection for `seconds`, or until `until()` is true."""
    end = time.monotonic() + seconds
    while True:
        if until is not None and until():
            return True
        for key, _ in selector.select(timeout=min(0.05, max(end - time.monotonic(), 0))):
            if key.data is None:
                return False  # stdin
            key.data.receive()
        if time.monotonic() >= end:
            return until() if until is not None else True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--streams-per-connection", type=int, default=0)
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--tls", metavar="CERTS_DIR", help="TLS connections trusting CERTS_DIR/ca.pem")
    args = parser.parse_args()
    tls = tls_context(args.tls) if args.tls else None

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    host, port = args.target.rsplit(":", 1)
    address = (host, int(port))
    selector = selectors.DefaultSelector()

    # 1. One call, so the server is warm.
    warm = Connection(address, args.target, tls)
    selector.register(warm.sock, selectors.EVENT_READ, warm)
    call = warm.start_stream("UnaryCall", b"\x00\x00\x00\x00\x00")
    if not pump(selector, 30, until=lambda: call in warm.ended or not warm.open):
        raise SystemExit("hold_connections: the warm-up call did not finish")
    selector.unregister(warm.sock)
    warm.close()
    print(json.dumps({"phase": "warm"}), flush=True)
    if not sys.stdin.readline():
        return 0

    # 2. The connections, then the streams.
    connections = []
    for _ in range(args.connections):
        connection = Connection(address, args.target, tls)
        selector.register(connection.sock, selectors.EVENT_READ, connection)
        connections.append(connection)
        pump(selector, 0)
    pump(selector, 30, until=lambda: all(c.settings_received or not c.open for c in connections))
    limit = min((c.server_stream_limit() for c in connections), default=0)
    per_connection = min(args.streams_per_connection, limit)
    for connection in connections:
        for _ in range(per_connection):
            if connection.open:
                connection.start_stream("StreamingCall")
        pump(selector, 0)

    # 3. Settle, report, hold.
    pump(selector, args.settle)
    streams = sum(len(c.streams) for c in connections)
    ended = sum(len(c.ended) for c in connections)
    endings = {}
    for connection in connections:
        for reason in connection.endings.values():
            endings[reason] = endings.get(reason, 0) + 1
    print(
        json.dumps(
            {
                "phase": "ready",
                "connections": args.connections,
                "connections_open": sum(1 for c in connections if c.open),
                "streams": streams,
                "streams_open": sum(len(c.streams - c.ended) for c in connections if c.open),
                "streams_ended_by_server": ended,
                "stream_endings": endings,
                "server_stream_limit": limit,
            }
        ),
        flush=True,
    )
    selector.register(sys.stdin, selectors.EVENT_READ, None)
    while pump(selector, 3600):
        pass
    for connection in connections:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
