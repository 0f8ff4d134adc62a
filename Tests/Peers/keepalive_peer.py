#!/usr/bin/env python3
"""Keepalive and connection limits as seen on the wire: raw HTTP/2 peers (h2) that misbehave in
the ways keepalive exists for, run against a grpcio server and a Swift server alike.

Usage:
    keepalive_peer.py MODE --target HOST:PORT [--timeout S] [--option KEY=VALUE]... [--sleep-ms N]
                                                             a client mode
    keepalive_peer.py blackhole                              a server mode: prints PORT <n>
    keepalive_peer.py --list                                 print the client modes

Client modes print one line, `RESULT <what happened>`, and exit 0:

    ping_flood   connects (preface, SETTINGS, acks) and sends a PING every 10 ms without any
                 call; prints `RESULT goaway code=<error code> debug=<debug data>` for the
                 server's GOAWAY (grpc's servers: ENHANCE_YOUR_CALM, `too_many_pings`, after
                 more than grpc.http2.max_ping_strikes PINGs closer than
                 grpc.http2.min_ping_interval_without_data_ms), or `RESULT no goaway` after
                 --timeout seconds (default 10).
    idle         connects and then only acknowledges; prints `RESULT goaway code=<code>
                 last=<last stream id>` for the first GOAWAY (a server with
                 grpc.max_connection_idle_ms drains an idle connection), or `RESULT no goaway`.
    silent       connects, starts a `Unary` call whose handler sleeps a minute, then neither
                 reads nor acknowledges anything (a client that has vanished without closing); prints `RESULT closed` once the server closes the
                 connection (a server with keepalive: its PING goes unanswered), or
                 `RESULT open` after --timeout seconds.

    grpcio_call  a grpcio client (grpc.insecure_channel with each --option KEY=VALUE) calls the
                 test service's `Unary` (with `x-sleep-ms` from --sleep-ms, if given) with a
                 --timeout deadline; prints `RESULT <status code name> <details>`.

The server mode `blackhole` accepts connections, exchanges SETTINGS, and then never reads nor
answers anything again, as a peer behind a dead NAT: a client's keepalive must notice. It serves until
stdin closes.
"""

import argparse
import socket
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions

CLIENT_MODES = ["ping_flood", "idle", "silent", "grpcio_call"]


def connect(target):
    host, port = target.rsplit(":", 1)
    sock = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def read_events(sock, conn, until):
    """Events received before `until` (monotonic), acknowledging as h2 does; [] on timeout,
    None when the connection ended."""
    sock.settimeout(max(0.01, until - time.monotonic()))
    try:
        data = sock.recv(65536)
    except socket.timeout:
        return []
    except OSError:
        return None
    if not data:
        return None
    events = conn.receive_data(data)
    pending = conn.data_to_send()
    if pending:
        try:
            sock.sendall(pending)
        except OSError:
            return None
    return events


def ping_flood(target, timeout):
    sock, conn = connect(target)
    end = time.monotonic() + timeout
    next_ping = time.monotonic()
    counter = 0
    while time.monotonic() < end:
        if time.monotonic() >= next_ping:
            counter += 1
            conn.ping(counter.to_bytes(8, "big"))
            try:
                sock.sendall(conn.data_to_send())
            except OSError:
                return "closed without goaway"
            next_ping += 0.01
        events = read_events(sock, conn, min(end, next_ping))
        if events is None:
            return "closed without goaway"
        for event in events:
            if isinstance(event, h2.events.ConnectionTerminated):
                debug = (event.additional_data or b"").decode("utf-8", "replace")
                return f"goaway code={int(event.error_code)} debug={debug}"
    return "no goaway"


def idle(target, timeout):
    sock, _ = connect(target)
    # Frames are scanned by hand: h2 refuses frames that follow a GOAWAY (a drain's PING does).
    data = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except OSError:
            return "closed without goaway"
        if not chunk:
            return "closed without goaway"
        data += chunk
        while len(data) >= 9:
            length = int.from_bytes(data[:3], "big")
            if len(data) < 9 + length:
                break
            kind, flags, payload = data[3], data[4], data[9:9 + length]
            data = data[9 + length:]
            if kind == 0x4 and not flags & 0x1:  # SETTINGS: acknowledge
                sock.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
            if kind == 0x7:  # GOAWAY
                last = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
                code = int.from_bytes(payload[4:8], "big")
                return f"goaway code={code} last={last}"
    return "no goaway"


def silent(target, timeout):
    sock, conn = connect(target)
    # A call the server will keep open (its handler sleeps), so that the server has a reason to
    # keep the connection alive and pings.
    conn.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/grpcsync.testing.TestService/Unary"),
                          (":authority", target), ("content-type", "application/grpc"), ("te", "trailers"),
                          ("x-sleep-ms", "60000")])
    conn.send_data(1, b"\x00\x00\x00\x00\x02hi", end_stream=True)
    sock.sendall(conn.data_to_send())
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # Never read: the server's PINGs go unanswered. Its close shows as a reset or an end when we
    # finally look (peeking does not read any frame into an acknowledgement).
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.05)
        try:
            sock.setblocking(False)
            if sock.recv(1, socket.MSG_PEEK) == b"":
                return "closed"
        except BlockingIOError:
            continue
        except OSError:
            return "closed"
        # Bytes are waiting (SETTINGS, PINGs): a FIN after them is seen by reading past them,
        # which would read frames; look at the socket's state instead.
        if tcp_closed_by_peer(sock):
            return "closed"
    return "open"


def tcp_closed_by_peer(sock):
    """Whether the peer has closed (TCP_INFO state CLOSE_WAIT), without reading."""
    import struct

    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)
    return struct.unpack("B", info[:1])[0] == 8  # TCP_CLOSE_WAIT


def grpcio_call(target, timeout, options, sleep_ms):
    import grpc

    parsed = []
    for option in options:
        key, _, value = option.partition("=")
        parsed.append((key, int(value) if value.lstrip("-").isdigit() else value))
    metadata = [("x-sleep-ms", str(sleep_ms))] if sleep_ms else []
    with grpc.insecure_channel(target, options=parsed) as channel:
        try:
            channel.unary_unary("/grpcsync.testing.TestService/Unary")(b"hi", timeout=timeout, metadata=metadata)
            return "OK"
        except grpc.RpcError as error:
            return f"{error.code().name} {error.details()}"


def blackhole():
    listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("::", 0))
    listener.listen(16)
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    held = []

    def accept():
        while True:
            client, _ = listener.accept()
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
            conn.initiate_connection()
            # Take the client's preface and SETTINGS (acknowledged), as a live server would, then
            # go silent.
            client.settimeout(2)
            try:
                conn.receive_data(client.recv(65536))
            except (OSError, h2.exceptions.ProtocolError):
                pass
            client.sendall(conn.data_to_send())
            held.append(client)  # never read again, never closed

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?")
    parser.add_argument("--target")
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--sleep-ms", type=int, default=0)
    args = parser.parse_args()
    if args.list:
        print("\n".join(CLIENT_MODES))
        return
    if args.mode == "blackhole":
        blackhole()
        return
    if args.mode not in CLIENT_MODES or not args.target:
        parser.error("a client mode and --target, or blackhole")
    if args.mode == "grpcio_call":
        result = grpcio_call(args.target, args.timeout, args.option, args.sleep_ms)
    else:
        result = {"ping_flood": ping_flood, "idle": idle, "silent": silent}[args.mode](args.target, args.timeout)
    print(f"RESULT {result}", flush=True)


if __name__ == "__main__":
    main()
