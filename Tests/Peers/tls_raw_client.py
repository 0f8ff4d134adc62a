#!/usr/bin/env python3
"""Bad TLS input for one server, from raw sockets (and grpcio clients for comparison).

Usage: tls_raw_client.py MODE --port N [--port N ...] [--host H] [--repeat R] [--limit S]
                         [--key K] [--ca PEM] [--cert PEM --tls-key PEM] [--override NAME]
       tls_raw_client.py --list

Runs MODE against every --port at once, R connections to each with --repeat (each connection in
a thread of its own), and once all have ended prints one line per connection, grouped by port in
the order given:

    RESULT <port> <what happened>

then `DONE`. Modes (`--list` prints their names):

  garbage          1 KiB of bytes 0-255 instead of a ClientHello; then reads until the server
                   closes: `closed (FIN); sent nothing` (or what it sent, as TLS records)
  h2_preface       the HTTP/2 preface and SETTINGS in the clear, likewise
  stall            half a real ClientHello, then prints `STALLING <port>` at once and waits (at most
                   --limit s, default 15) for the server to close: `closed (FIN) after S s; sent
                   nothing` or `still open after S s`
  truncated_record TLS with ALPN h2, then: HEADERS and a whole request of WaitForCancel on stream 1
                   (request bytes `--key`, `-i` added with --repeat), a pause of 0.5 s for its
                   handler to start, HEADERS of ClientStream on stream 3 and half of the TLS record
                   that carries its first DATA frame; then the TCP socket is closed
  no_close_notify  the same, but stream 3 gets whole records: one whole message and a DATA frame
                   with 10 bytes of a message declared as 1000; then the TCP socket is closed
                   without close_notify
  alpn_http11      a TLS handshake offering ALPN http/1.1 only; reports how the handshake ended,
                   then (if the connection stays open) sends an HTTP/2 request and reports the
                   frames that came back and how the connection ended:
                   `handshake=done alpn=<selected> frames=<frames> connection=<how it ended>`
                   (`frames=nothing` when no byte came; SETTINGS, WINDOW_UPDATE and PING are
                   left out of a non-empty list), or `handshake=<why it failed> frames=nothing
                   connection=closed`
  no_alpn          the same with no ALPN extension
  alpn_h2          the same with ALPN h2 (a control: the server answers)
  silent_after_handshake
                   a TLS handshake with ALPN h2, then nothing sent (no HTTP/2 preface); waits at
                   most --limit s for the server to close: `handshake=done alpn=h2 frames=<what
                   came> connection=<how it ended> [after S s]`
  grpcio_tls       a grpcio secure_channel call of Unary (`hello`) to localhost:N with --ca (default
                   ca.pem), --cert/--tls-key and --override (grpc.ssl_target_name_override):
                   `code=<StatusCode name> details=<details>`
  grpcio_plaintext the same call on a grpcio insecure_channel

PEM names are files of Tests/Certificates (or paths). The raw modes reuse tls_cases.py's RawTLS,
client_hello, read_until_closed and frame helpers. Every socket operation has a timeout.
"""

import argparse
import socket
import sys
import threading
import time

import hpack

from peer_common import method_path
from tls_cases import (
    DATA,
    HEADERS,
    IO_TIMEOUT_S,
    PREFACE,
    SETTINGS,
    RawTLS,
    call,
    client_hello,
    describe_frames,
    describe_tls_bytes,
    frame,
    grpc_message,
    insecure_channel,
    read_until_closed,
    ssl_channel,
)


PRINTING = threading.Lock()  # lines printed by the connections' threads stay whole


def headers_frame(encoder, stream_id, method, end_stream=False):
    fields = [(":method", "POST"), (":scheme", "https"), (":path", method_path(method)),
              (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers")]
    return frame(HEADERS, 0x4 | (0x1 if end_stream else 0), stream_id, encoder.encode(fields))


def raw_bytes(data):
    def run(args, port, index):
        sock = socket.create_connection((args.host, port), timeout=IO_TIMEOUT_S)
        try:
            sock.sendall(data)
        except OSError as error:
            sock.close()
            return f"send failed: {type(error).__name__}"
        received, how, _ = read_until_closed(sock, IO_TIMEOUT_S)
        sock.close()
        return f"{how}; sent {describe_tls_bytes(received) if received else 'nothing'}"
    return run


def stall(args, port, index):
    sock = socket.create_connection((args.host, port), timeout=IO_TIMEOUT_S)
    hello = client_hello()
    sock.sendall(hello[: len(hello) // 2])
    with PRINTING:
        print(f"STALLING {port}", flush=True)
    received, how, seconds = read_until_closed(sock, args.limit)
    sock.close()
    after = f"after {seconds:.1f} s" if how != "still open" else f"after {args.limit:.0f} s"
    return f"{how} {after}; sent {describe_tls_bytes(received) if received else 'nothing'}"


def cut_mid_call(truncate):
    def run(args, port, index):
        raw = RawTLS(port, host=args.host)
        failure = raw.handshake()
        if failure:
            raw.close()
            return f"handshake: {failure}"
        key = args.key if args.repeat == 1 else f"{args.key}-{index}"
        encoder = raw.encoder
        raw.send(PREFACE + frame(SETTINGS, 0, 0) + headers_frame(encoder, 1, "WaitForCancel")
                 + frame(DATA, 0x1, 1, grpc_message(key.encode())))
        time.sleep(0.5)  # WaitForCancel's handler starts
        raw.send(headers_frame(encoder, 3, "ClientStream"))
        if truncate:
            record = raw.records(frame(DATA, 0, 3, grpc_message(b"x" * 100)))
            raw.sock.sendall(record[: len(record) // 2])
            what = "half a TLS record sent"
        else:
            raw.send(frame(DATA, 0, 3, grpc_message(b"y" * 10)))
            raw.send(frame(DATA, 0, 3, grpc_message(b"z" * 10, declared=1000)))
            what = "10 of 1000 bytes of a message sent"
        time.sleep(0.2)
        raw.close()  # no close_notify
        return f"{what}, TCP closed; key={key}"
    return run


def alpn(protocols):
    def run(args, port, index):
        raw = RawTLS(port, alpn=protocols, host=args.host)
        failure = raw.handshake()
        if failure:
            raw.close()
            return f"handshake={failure!r} frames=nothing connection=closed"
        selected = raw.tls.selected_alpn_protocol()
        plaintext, how = raw.receive(1.0)  # before we send anything
        if how.startswith("still open"):
            encoder = hpack.Encoder()
            raw.send(PREFACE + frame(SETTINGS, 0, 0) + headers_frame(encoder, 1, "Unary")
                     + frame(DATA, 0x1, 1, grpc_message(b"hi")))
            more, how = raw.receive(2.0)
            plaintext += more
        raw.close()
        # describe_frames leaves SETTINGS, WINDOW_UPDATE and PING out: say when nothing came at all.
        frames = "nothing" if not plaintext else describe_frames(plaintext)
        return f"handshake=done alpn={selected} frames={frames} connection={how}"
    return run


def silent_after_handshake(args, port, index):
    raw = RawTLS(port, host=args.host)
    failure = raw.handshake()
    if failure:
        raw.close()
        return f"handshake={failure!r} frames=nothing connection=closed"
    start = time.monotonic()
    plaintext, how = raw.receive(args.limit)
    raw.close()
    if not how.startswith("still open"):
        how += f" after {time.monotonic() - start:.1f} s"
    frames = "nothing" if not plaintext else describe_frames(plaintext)
    return f"handshake=done alpn={raw.tls.selected_alpn_protocol()} frames={frames} connection={how}"


def grpcio_call(tls):
    def run(args, port, index):
        if tls:
            options = [("grpc.ssl_target_name_override", args.override)] if args.override else []
            channel = ssl_channel(f"{args.host}:{port}", ca=args.ca, cert=args.cert, key=args.tls_key,
                                  options=options)
        else:
            channel = insecure_channel(f"{args.host}:{port}")
        with channel:
            code, details, _ = call(channel)
        return f"code={code} details={details}"
    return run


MODES = {
    "garbage": raw_bytes(bytes(range(256)) * 4),
    "h2_preface": raw_bytes(PREFACE + frame(SETTINGS, 0, 0)),
    "stall": stall,
    "truncated_record": cut_mid_call(truncate=True),
    "no_close_notify": cut_mid_call(truncate=False),
    "alpn_http11": alpn(("http/1.1",)),
    "no_alpn": alpn(None),
    "alpn_h2": alpn(("h2",)),
    "silent_after_handshake": silent_after_handshake,
    "grpcio_tls": grpcio_call(tls=True),
    "grpcio_plaintext": grpcio_call(tls=False),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", choices=sorted(MODES))
    parser.add_argument("--list", action="store_true", help="print the mode names")
    parser.add_argument("--port", type=int, action="append", default=[], help="server port (repeatable)")
    parser.add_argument("--host", help="default: localhost for the grpcio modes, else 127.0.0.1")
    parser.add_argument("--repeat", type=int, default=1, help="connections at once per port")
    parser.add_argument("--limit", type=float, default=15.0, help="stall: seconds to wait for the close")
    parser.add_argument("--key", default="tls-raw", help="WaitForCancel request bytes")
    parser.add_argument("--ca", default="ca.pem")
    parser.add_argument("--cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--override")
    args = parser.parse_args()
    if args.list:
        print("\n".join(MODES))
        return 0
    if not args.mode or not args.port:
        parser.error("MODE and --port are required")
    if args.host is None:
        args.host = "localhost" if args.mode.startswith("grpcio") else "127.0.0.1"

    run = MODES[args.mode]
    results = {(port, index): None for port in args.port for index in range(args.repeat)}

    def one(port, index):
        try:
            results[(port, index)] = run(args, port, index)
        except Exception as error:  # pylint: disable=broad-except
            results[(port, index)] = f"error {type(error).__name__}: {error}"

    threads = [threading.Thread(target=one, args=key, daemon=True) for key in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.limit + 30)
    for (port, _), result in results.items():
        print(f"RESULT {port} {result if result is not None else 'no result (still running)'}", flush=True)
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
