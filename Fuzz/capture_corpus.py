"""Makes the fuzz targets' seed corpus from real captures: a grpcio client calls a grpcio server
through a recording TCP relay, and each direction's bytes become a seed.

- fuzz-server-connection seeds: what the client sent (preface, SETTINGS, HEADERS, DATA, ...).
- fuzz-client-connection seeds: what the server sent after its first SETTINGS frame, for a client
  that opened a unary call (stream 1), a server-streaming call (stream 3) and a bidirectional call
  (stream 5), as the target does.
- fuzz-deframer, fuzz-headers and fuzz-metadata seeds: message streams, header blocks and
  metadata values of the same calls, in the targets' input formats.

Every seed starts with the target's control byte. Run from the repository root:
    .venv/bin/python Fuzz/capture_corpus.py Fuzz/Corpus
"""

import gzip
import os
import socket
import struct
import sys
import threading
import time
from concurrent import futures

import grpc


def raw(x):
    return x


def echo_handlers():
    def unary(request, context):
        context.set_trailing_metadata((("x-trailer-bin", b"\x00\x01\xff"), ("x-note", "done")))
        return request

    def server_streaming(request, context):
        context.send_initial_metadata((("x-initial", "yes"),))
        for _ in range(3):
            yield request

    def client_streaming(requests, context):
        return b"".join(requests)

    def bidi(requests, context):
        for request in requests:
            yield request
        context.abort(grpc.StatusCode.FAILED_PRECONDITION, "done with 100% of them \u2713")

    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, raw, raw),
        "ServerStreaming": grpc.unary_stream_rpc_method_handler(server_streaming, raw, raw),
        "ClientStreaming": grpc.stream_unary_rpc_method_handler(client_streaming, raw, raw),
        "BidiStreaming": grpc.stream_stream_rpc_method_handler(bidi, raw, raw),
    }
    return grpc.method_handlers_generic_handler("fuzz.Echo", handlers)


class Relay:
    """Accepts one connection at a time and relays it to `target_port`, recording both ways."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.captures = []  # (client bytes, server bytes) per connection
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(("127.0.0.1", self.target_port))
            capture = (bytearray(), bytearray())
            self.captures.append(capture)
            threading.Thread(target=self.pump, args=(client, server, capture[0]), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, capture[1]), daemon=True).start()

    @staticmethod
    def pump(source, sink, record):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                record += data
                sink.sendall(data)
        except OSError:
            pass
        finally:
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def frames(data):
    offset = 0
    while len(data) - offset >= 9:
        length = int.from_bytes(data[offset:offset + 3], "big")
        kind, flags = data[offset + 3], data[offset + 4]
        stream = int.from_bytes(data[offset + 5:offset + 9], "big") & 0x7FFFFFFF
        yield kind, flags, stream, bytes(data[offset + 9:offset + 9 + length]), bytes(data[offset:offset + 9 + length])
        offset += 9 + length


def run_calls(port, scenario):
    options = [("grpc.enable_retries", 0)]
    with grpc.insecure_channel(f"127.0.0.1:{port}", options=options) as channel:
        unary = channel.unary_unary("/fuzz.Echo/Unary", raw, raw)
        server_streaming = channel.unary_stream("/fuzz.Echo/ServerStreaming", raw, raw)
        client_streaming = channel.stream_unary("/fuzz.Echo/ClientStreaming", raw, raw)
        bidi = channel.stream_stream("/fuzz.Echo/BidiStreaming", raw, raw)
        metadata = (("x-tag", "seed"), ("x-data-bin", b"\x00\xfe\xff"))
        if scenario == "three-calls":
            # The client target's calls, in its order: streams 1, 3 and 5.
            unary(b"hello", metadata=metadata, timeout=10)
            list(server_streaming(b"abc", timeout=10))
            try:
                list(bidi(iter([b"x", b"yz"]), timeout=10))
            except grpc.RpcError:
                pass
        elif scenario == "gzip":
            unary(b"a" * 2000, compression=grpc.Compression.Gzip, timeout=10)
            list(server_streaming(b"b" * 500, compression=grpc.Compression.Gzip, timeout=10))
            try:
                list(bidi(iter([b"c" * 300, b"d"]), compression=grpc.Compression.Gzip, timeout=10))
            except grpc.RpcError:
                pass
        elif scenario == "client-streaming":
            client_streaming(iter([b"one", b"two", b"three" * 100]), timeout=10)
            client_streaming(iter([]), timeout=10)
        elif scenario == "large":
            unary(bytes(range(256)) * 20, timeout=10)
        elif scenario == "cancel":
            responses = bidi(iter([b"first"]), timeout=10)
            next(responses)
            responses.cancel()
            try:
                unary(b"late", timeout=0.000001)
            except grpc.RpcError:
                pass


def write(directory, name, control, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(bytes([control]) + bytes(data))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Fuzz/Corpus"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((echo_handlers(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    relay = Relay(port)
    scenarios = ["three-calls", "gzip", "client-streaming", "large", "cancel"]
    for scenario in scenarios:
        before = len(relay.captures)
        run_calls(relay.port, scenario)
        while len(relay.captures) == before:
            time.sleep(0.01)
        time.sleep(0.3)  # the relay's last bytes
        client_bytes, server_bytes = relay.captures[-1]
        write(f"{out}/server-connection", scenario, 0, client_bytes)
        write(f"{out}/server-connection", scenario + "-split", 2, client_bytes)
        server_frames = list(frames(server_bytes))
        if server_frames and server_frames[0][0] == 4:
            server_frames = server_frames[1:]
        if scenario in ("three-calls", "gzip"):
            write(f"{out}/client-connection", scenario, 0, b"".join(f[4] for f in server_frames))
            write(f"{out}/client-connection", scenario + "-split", 2, b"".join(f[4] for f in server_frames))
        # Message streams and header fields of both directions.
        # The client's bytes start with the 24-byte connection preface, which is no frame.
        for direction, body in (("request", client_bytes[24:]), ("response", server_bytes)):
            streams = {}
            for kind, flags, stream, payload, _ in frames(body):
                if kind == 0 and stream:
                    streams.setdefault(stream, bytearray()).extend(payload)
            for stream, data in streams.items():
                compressed = scenario == "gzip"
                # Control: limit 4 MiB (2), encoding gzip (3) or identity (0), taking as it goes.
                write(f"{out}/deframer", f"{scenario}-{direction}-{stream}", 2 + (3 if compressed else 0), [7] + list(data))
    server.stop(None)

    # Header fields as the targets read them: name length, name, value length, value.
    def fields(pairs):
        block = bytearray()
        for name, value in pairs:
            block += bytes([len(name)]) + name + bytes([len(value)]) + value
        return block

    request = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/fuzz.Echo/Unary"),
               (b":authority", b"localhost"), (b"content-type", b"application/grpc"), (b"te", b"trailers"),
               (b"grpc-timeout", b"99m"), (b"grpc-encoding", b"gzip"), (b"grpc-accept-encoding", b"identity,deflate,gzip"),
               (b"user-agent", b"grpc-python/1.85.0"), (b"x-data-bin", b"AP7/")]
    response = [(b":status", b"200"), (b"content-type", b"application/grpc+proto"), (b"grpc-encoding", b"identity")]
    trailers = [(b"grpc-status", b"9"), (b"grpc-message", b"done with 100%25 of them %E2%9C%93"),
                (b"grpc-status-details-bin", b"CAkSBGRvbmU")]
    for control, name, pairs in ((1, "request", request), (4, "response", response), (11, "trailers", trailers),
                                 (10, "trailers-only", response + trailers)):
        write(f"{out}/headers", name, control, fields(pairs))
    for control, name, value in ((0, "base64-raw", b"\x00\x01\xfe\xff"), (1, "base64-text", b"AP7/,AAE"),
                                 (2, "percent", b"done with 100%25 of them %E2%9C%93"), (3, "timeout", b"12345678n"),
                                 (4, "received-bin", b"x-data-bin\x00AP7/,AAE=")):
        write(f"{out}/metadata", name, control, value)


if __name__ == "__main__":
    main()
