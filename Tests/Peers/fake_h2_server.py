#!/usr/bin/env python3
"""A deliberately misbehaving (or unusual) HTTP/2 server, for checking how a gRPC client maps
what it receives to a gRPC status (grpc's doc/PROTOCOL-HTTP2.md and
doc/http-grpc-status-mapping.md).

Usage: fake_h2_server.py MODE        (fake_h2_server.py --list prints the modes)

Binds 127.0.0.1 on a free port, prints `PORT <n>` on stdout (flushed) and serves plain-text
HTTP/2 (no TLS) until stdin reaches EOF or the process gets SIGTERM. Each request stream's
HEADERS print `REQUEST previous=<grpc-previous-rpc-attempts, or ->` on stdout. Every request stream is
answered according to MODE:

    http503               :status 503, no grpc-status, end of stream
    http404_html          :status 404, content-type text/html, a small body, end of stream
    goaway                on the request's HEADERS: GOAWAY(last_stream_id=0, NO_ERROR), nothing else
    rst_refused           on the request's HEADERS: RST_STREAM(REFUSED_STREAM)
    rst_cancel            on the request's HEADERS: RST_STREAM(CANCEL)
    rst_enhance_your_calm on the request's HEADERS: RST_STREAM(ENHANCE_YOUR_CALM)
    rst_internal          on the request's HEADERS: RST_STREAM(INTERNAL_ERROR)
    no_status             200 + application/grpc, one message `ok`, trailers without grpc-status
    truncated             200 + application/grpc, a message prefix announcing 10 bytes followed by
                          only 3, then trailers grpc-status 0
    trailers_only_status  Trailers-Only: 200, application/grpc, grpc-status 7, a percent-encoded
                          grpc-message ("no way\\n" and U+1F600)
    bad_content_type      200 + content-type text/plain, end of stream without grpc-status
    comma_bin             a normal response echoing the request message; initial metadata
                          `x-multi-bin: AAE,AgM=` (bytes 00 01 and 02 03, one value unpadded), trailers
                          grpc-status 0 and `x-trail-bin: /w` (unpadded, byte ff)
    inspect               a normal response whose one message describes the request as ASCII:
                          `encoding=E accept=A messages=F:W:D,...` with E and A the request's
                          grpc-encoding and grpc-accept-encoding (`-` when absent) and, for every
                          request message, its compressed flag F, its length on the wire W and its
                          length once decompressed with E (D, or `?` when that fails)
    gzip_bomb             grpc-encoding gzip; one compressed message of about 10 KiB that inflates
                          to 10 MiB of zeros; trailers grpc-status 0
    compressed_no_encoding  one message `hello` with the compressed flag set and no grpc-encoding;
                          trailers grpc-status 0
    unsupported_encoding  grpc-encoding snappy; one message `hello` with the compressed flag set;
                          trailers grpc-status 0
    corrupt_gzip          grpc-encoding gzip; one message with the compressed flag set whose bytes are
                          not gzip; trailers grpc-status 0
    close_socket          on the request's HEADERS: closes the socket, without GOAWAY (the next
                          connection is served the same way)
    goaway_unknown_code   once the request has arrived: GOAWAY(last_stream_id = the request's stream,
                          error code 0xdead, not one HTTP/2 defines), then a normal response echoing
                          the request message (trailers grpc-status 0)
    refuse_first          the first request the server gets: RST_STREAM(REFUSED_STREAM) on its HEADERS;
                          every later one: a normal response echoing the request message
    goaway_first          the first request the server gets: GOAWAY(last_stream_id=0, NO_ERROR) on its
                          HEADERS (its connection then serves nothing); every later one, on a new
                          connection: a normal response echoing the request message
    refuse_after_data     the first request the server gets: RST_STREAM(REFUSED_STREAM) once its first
                          DATA frame has arrived; every later one: a response whose one message is
                          every request message's payload, concatenated
    goaway_after_data     the first request: GOAWAY(last_stream_id=0, NO_ERROR) once its first DATA
                          frame has arrived; every later one, on a new connection: as
                          refuse_after_data
    header_bomb           an HPACK bomb: one 4,000-byte header `x-bomb` (added to the HPACK table),
                          then 16,000 one-byte references to it, in a response header block of about
                          20 KB (HEADERS and CONTINUATION frames) that decodes to 64 MB of headers;
                          then a message `ok` and trailers grpc-status 0
    endless_continuation  response HEADERS without END_HEADERS, then CONTINUATION frames (each 16 KB
                          of 1,000-byte never-indexed headers) that never set END_HEADERS, until the
                          client closes the connection; after 256 MiB the server closes it
    huge_length_prefix    200 + application/grpc, a message prefix announcing 0xFFFFFFFF bytes (4 GiB)
                          followed by 16 KiB of zeros, then trailers grpc-status 0
    incomplete_flood      200 + application/grpc, a message prefix announcing 4 MiB - 1 bytes, then as
                          many of them as the client's flow-control windows let through, sent again
                          as the windows open, never the message's end nor trailers
    silent                not HTTP/2 at all: accepts the connection, reads and drops what arrives,
                          never writes
    http1                 not HTTP/2 at all: once bytes arrive, answers `HTTP/1.1 400 Bad Request`
                          (as an HTTP/1.1 server answers the client's preface) and closes

The modes other than goaway and rst_* read the whole request (up to END_STREAM) before answering.
Frames are built by the `h2` package, which also acknowledges SETTINGS and PING and keeps flow
control going.
"""

import os
import signal
import zlib
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import hpack
import hyperframe.frame

RST_CODES = {
    'rst_refused': h2.errors.ErrorCodes.REFUSED_STREAM,
    'rst_cancel': h2.errors.ErrorCodes.CANCEL,
    'rst_enhance_your_calm': h2.errors.ErrorCodes.ENHANCE_YOUR_CALM,
    'rst_internal': h2.errors.ErrorCodes.INTERNAL_ERROR,
}

# Modes answered as soon as the request's HEADERS arrive.
EARLY_MODES = frozenset(['goaway', 'close_socket', *RST_CODES])

# Modes that never speak HTTP/2.
RAW_MODES = frozenset(['silent', 'http1'])

# Modes answered once the whole request has arrived.
LATE_MODES = frozenset(['http503', 'http404_html', 'no_status', 'truncated', 'trailers_only_status',
                        'bad_content_type', 'comma_bin', 'inspect', 'gzip_bomb',
                        'compressed_no_encoding', 'unsupported_encoding', 'corrupt_gzip',
                        'goaway_unknown_code', 'refuse_first', 'goaway_first', 'refuse_after_data',
                        'goaway_after_data', 'header_bomb', 'endless_continuation',
                        'huge_length_prefix', 'incomplete_flood'])

# Modes that refuse the first request once its first DATA frame has arrived.
AFTER_DATA_MODES = frozenset(['refuse_after_data', 'goaway_after_data'])

# Whether the first request has come (refuse_first, goaway_first).
FIRST_REQUEST = {'seen': False}
FIRST_REQUEST_LOCK = threading.Lock()


def first_request():
    """True for the first request the server gets, false for every later one."""
    with FIRST_REQUEST_LOCK:
        first = not FIRST_REQUEST['seen']
        FIRST_REQUEST['seen'] = True
        return first

MODES = sorted(EARLY_MODES | LATE_MODES | RAW_MODES)

GRPC_HEADERS = [(':status', '200'), ('content-type', 'application/grpc')]

IO_TIMEOUT = 60.0  # seconds a connection may stay silent before the server drops it


def grpc_message(payload, compressed=False):
    """One gRPC length-prefixed message; `compressed` sets the flag (the payload is sent as is)."""
    return (b'\x01' if compressed else b'\x00') + len(payload).to_bytes(4, 'big') + payload


def gzip_bytes(data):
    """`data` compressed in the gzip format, as grpc's `gzip` encoding uses."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


# About 10 KiB that inflate to 10 MiB, over the default 4 MiB receive limit.
GZIP_BOMB = gzip_bytes(bytes(10 * 1024 * 1024))

# The largest frame payload every HTTP/2 peer accepts (SETTINGS_MAX_FRAME_SIZE's initial value).
FRAME_SIZE = 16384

# Bytes endless_continuation sends at most before it gives up on the client.
ENDLESS_LIMIT = 256 * 1024 * 1024

# zlib window bits for decompressing each grpc-encoding ('deflate' is the zlib format).
WINDOW_BITS = {'gzip': 31, 'deflate': 15}


def describe_request(headers, body):
    """The `inspect` answer: the request's encoding headers and its messages."""
    fields = dict(headers)
    encoding = fields.get('grpc-encoding', '-')
    messages = []
    while len(body) >= 5:
        flag, length = body[0], int.from_bytes(body[1:5], 'big')
        payload = body[5:5 + length]
        body = body[5 + length:]
        decoded = len(payload)
        if flag & 1:
            try:
                decompressor = zlib.decompressobj(WINDOW_BITS[encoding])
                decoded = len(decompressor.decompress(payload))
                if not decompressor.eof or decompressor.unused_data:
                    decoded = '?'
            except (KeyError, zlib.error):
                decoded = '?'
        messages.append('%d:%d:%s' % (flag, length, decoded))
    return ('encoding=%s accept=%s messages=%s' % (
        encoding, fields.get('grpc-accept-encoding', '-'), ','.join(messages))).encode('ascii')


def all_messages(data):
    """The payloads of every complete length-prefixed message in `data`, concatenated."""
    payloads = b''
    while len(data) >= 5:
        length = int.from_bytes(data[1:5], 'big')
        payloads += data[5:5 + length]
        data = data[5 + length:]
    return payloads


def first_message(data):
    """The payload of the first complete length-prefixed message in `data`, or b''."""
    if len(data) < 5:
        return b''
    length = int.from_bytes(data[1:5], 'big')
    return data[5:5 + length]


class Connection:
    """One client connection, served on its own thread."""

    def __init__(self, sock, mode):
        self.sock = sock
        self.mode = mode
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding='utf-8'))
        self.bodies = {}          # stream id -> request bytes so far
        self.admitted = set()     # streams past the after-data refusal (refuse_after_data…)
        self.request_headers = {}  # stream id -> the request's headers
        self.gone_away = False    # after our GOAWAY, incoming bytes are read and dropped
        self.flooding = {}        # incomplete_flood: stream id -> (prefix bytes, zero bytes) still to send

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def serve(self):
        try:
            self.sock.settimeout(IO_TIMEOUT)
            if self.mode in RAW_MODES:
                self.serve_raw()
                return
            self.conn.initiate_connection()
            self.flush()
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return
                if self.gone_away:
                    continue  # the client must not start anything on this connection any more
                try:
                    events = self.conn.receive_data(data)
                except h2.exceptions.ProtocolError as error:
                    log('protocol error from client: %r' % error)
                    self.flush()
                    return
                for event in events:
                    self.handle(event)
                self.flush()
        except OSError:
            pass
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def serve_raw(self):
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            if self.mode == 'http1':
                self.sock.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n'
                                  b'Connection: close\r\n\r\n')
                return

    def handle(self, event):
        if isinstance(event, h2.events.RequestReceived):
            stream_id = event.stream_id
            previous = dict((k.decode() if isinstance(k, bytes) else k, v.decode() if isinstance(v, bytes) else v)
                            for k, v in event.headers).get('grpc-previous-rpc-attempts', '-')
            print('REQUEST previous=%s' % previous, flush=True)
            self.bodies[stream_id] = b''
            self.request_headers[stream_id] = event.headers
            if self.mode in ('refuse_first', 'goaway_first') and first_request():
                if self.mode == 'refuse_first':
                    self.conn.reset_stream(stream_id, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
                else:
                    self.conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR, last_stream_id=0)
                    self.flush()
                    self.gone_away = True
                self.bodies.pop(stream_id, None)
            elif self.mode == 'goaway':
                self.conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR, last_stream_id=0)
                self.flush()
                self.gone_away = True
            elif self.mode == 'close_socket':
                self.sock.shutdown(socket.SHUT_RDWR)
            elif self.mode in RST_CODES:
                self.conn.reset_stream(stream_id, error_code=RST_CODES[self.mode])
            elif event.stream_ended is not None:
                self.answer(stream_id)
        elif isinstance(event, h2.events.DataReceived) and self.mode in AFTER_DATA_MODES:
            if event.flow_controlled_length:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if event.stream_id not in self.bodies:
                pass  # refused already
            elif event.stream_id not in self.admitted and first_request():
                if self.mode == 'refuse_after_data':
                    self.conn.reset_stream(event.stream_id, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
                else:
                    self.conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR, last_stream_id=0)
                    self.flush()
                    self.gone_away = True
                self.bodies.pop(event.stream_id, None)
            else:
                self.admitted.add(event.stream_id)
                self.bodies[event.stream_id] += event.data
                if event.stream_ended is not None:
                    self.answer(event.stream_id)
        elif isinstance(event, h2.events.DataReceived):
            if event.flow_controlled_length:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if event.stream_id in self.bodies:
                self.bodies[event.stream_id] += event.data
            if event.stream_ended is not None and self.mode in LATE_MODES:
                self.answer(event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            # Reported on its own when END_STREAM came without data (for instance on the HEADERS,
            # handled above, or on an empty DATA frame, handled with DataReceived).
            pass
        elif isinstance(event, h2.events.StreamReset):
            self.bodies.pop(event.stream_id, None)
            self.flooding.pop(event.stream_id, None)
        elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
            self.pump()

    def pump(self):
        """incomplete_flood: sends every flooding stream as much of its message (prefix first) as
        the windows allow."""
        for stream_id in list(self.flooding):
            while stream_id in self.flooding:
                prefix, zeros = self.flooding[stream_id]
                try:
                    room = min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
                    chunk = (prefix + bytes(min(zeros, max(room, 0))))[:max(room, 0)]
                    if not chunk:
                        break
                    self.conn.send_data(stream_id, chunk)
                except (h2.exceptions.StreamClosedError, KeyError):  # the client reset it
                    self.flooding.pop(stream_id, None)
                    break
                sent_zeros = len(chunk) - min(len(prefix), len(chunk))
                self.flooding[stream_id] = (prefix[len(chunk):], zeros - sent_zeros)

    def answer(self, stream_id):
        body = self.bodies.pop(stream_id, None)
        headers = self.request_headers.pop(stream_id, [])
        if body is None:
            return
        mode, conn = self.mode, self.conn
        if mode == 'http503':
            conn.send_headers(stream_id, [(':status', '503')], end_stream=True)
        elif mode == 'http404_html':
            page = b'<html><body><h1>404 Not Found</h1></body></html>\n'
            conn.send_headers(stream_id, [(':status', '404'), ('content-type', 'text/html'),
                                          ('content-length', str(len(page)))])
            conn.send_data(stream_id, page, end_stream=True)
        elif mode == 'no_status':
            conn.send_headers(stream_id, GRPC_HEADERS)
            conn.send_data(stream_id, grpc_message(b'ok'))
            conn.send_headers(stream_id, [('x-note', 'no status here')], end_stream=True)
        elif mode == 'truncated':
            conn.send_headers(stream_id, GRPC_HEADERS)
            conn.send_data(stream_id, b'\x00' + (10).to_bytes(4, 'big') + b'abc')
            conn.send_headers(stream_id, [('grpc-status', '0')], end_stream=True)
        elif mode == 'trailers_only_status':
            conn.send_headers(stream_id, GRPC_HEADERS + [
                ('grpc-status', '7'), ('grpc-message', 'no%20way%0A%F0%9F%98%80')], end_stream=True)
        elif mode == 'bad_content_type':
            conn.send_headers(stream_id, [(':status', '200'), ('content-type', 'text/plain')],
                              end_stream=True)
        elif mode == 'comma_bin':
            conn.send_headers(stream_id, GRPC_HEADERS + [('x-multi-bin', 'AAE,AgM=')])
            conn.send_data(stream_id, grpc_message(first_message(body)))
            conn.send_headers(stream_id, [('grpc-status', '0'), ('x-trail-bin', '/w')], end_stream=True)
        elif mode == 'inspect':
            self.respond(stream_id, GRPC_HEADERS, grpc_message(describe_request(headers, body)))
        elif mode == 'gzip_bomb':
            self.respond(stream_id, GRPC_HEADERS + [('grpc-encoding', 'gzip')],
                         grpc_message(GZIP_BOMB, compressed=True))
        elif mode == 'compressed_no_encoding':
            self.respond(stream_id, GRPC_HEADERS, grpc_message(b'hello', compressed=True))
        elif mode == 'unsupported_encoding':
            self.respond(stream_id, GRPC_HEADERS + [('grpc-encoding', 'snappy')],
                         grpc_message(b'hello', compressed=True))
        elif mode in ('refuse_first', 'goaway_first'):
            self.respond(stream_id, GRPC_HEADERS, grpc_message(first_message(body)))
        elif mode in AFTER_DATA_MODES:
            self.respond(stream_id, GRPC_HEADERS, grpc_message(all_messages(body)))
        elif mode == 'goaway_unknown_code':
            # Built by hand: h2 sends nothing more on a connection once it has sent a GOAWAY.
            goaway = hyperframe.frame.GoAwayFrame(0)
            goaway.last_stream_id = stream_id
            goaway.error_code = 0xdead
            self.sock.sendall(conn.data_to_send() + goaway.serialize())
            self.respond(stream_id, GRPC_HEADERS, grpc_message(first_message(body)))
        elif mode == 'header_bomb':
            bomb = GRPC_HEADERS + [('x-bomb', 'b' * 4000)] * 16000
            self.send_header_block(stream_id, conn.encoder.encode(bomb))
            conn.send_data(stream_id, grpc_message(b'ok'))
            self.sock.sendall(conn.data_to_send())
            self.send_header_block(stream_id, conn.encoder.encode([('grpc-status', '0')]), end_stream=True)
        elif mode == 'endless_continuation':
            self.send_endless_continuation(stream_id)
        elif mode == 'incomplete_flood':
            length = 4 * 1024 * 1024 - 1
            conn.send_headers(stream_id, GRPC_HEADERS)
            # The prefix and all but the message's last byte, as the windows let them through.
            self.flooding[stream_id] = (b'\x00' + length.to_bytes(4, 'big'), length - 1)
            self.pump()
        elif mode == 'huge_length_prefix':
            self.respond(stream_id, GRPC_HEADERS, b'\x00\xff\xff\xff\xff' + bytes(16 * 1024))
        elif mode == 'corrupt_gzip':
            self.respond(stream_id, GRPC_HEADERS + [('grpc-encoding', 'gzip')],
                         grpc_message(b'\x1f\x8b not gzip at all', compressed=True))

    def send_header_block(self, stream_id, block, end_stream=False):
        """`block` (encoded with h2's own HPACK encoder, so that h2's later header blocks stay
        right) as a HEADERS frame and as many CONTINUATION frames as it takes, written directly:
        h2 refuses header blocks it has not built itself."""
        self.sock.sendall(self.conn.data_to_send())
        size = FRAME_SIZE
        chunks = [block[i:i + size] for i in range(0, len(block), size)] or [b'']
        frames = []
        for index, chunk in enumerate(chunks):
            frame = (hyperframe.frame.HeadersFrame(stream_id) if index == 0
                     else hyperframe.frame.ContinuationFrame(stream_id))
            frame.data = chunk
            if index == 0 and end_stream:
                frame.flags.add('END_STREAM')
            if index == len(chunks) - 1:
                frame.flags.add('END_HEADERS')
            frames.append(frame.serialize())
        self.sock.sendall(b''.join(frames))

    def send_endless_continuation(self, stream_id):
        """HEADERS without END_HEADERS, then CONTINUATION frames without it until the client
        closes the connection (the write fails) or ENDLESS_LIMIT bytes have gone out."""
        self.sock.sendall(self.conn.data_to_send())
        headers = hyperframe.frame.HeadersFrame(stream_id)
        headers.data = self.conn.encoder.encode(GRPC_HEADERS)
        self.sock.sendall(headers.serialize())
        # Never-indexed literals leave the HPACK table as it is, so one frame serves for all.
        field = hpack.NeverIndexedHeaderTuple('x-more', 'c' * 1000)
        continuation = hyperframe.frame.ContinuationFrame(stream_id)
        continuation.data = self.conn.encoder.encode([field] * (FRAME_SIZE // 1010))
        frame = continuation.serialize()
        sent = 0
        while sent < ENDLESS_LIMIT:
            self.sock.sendall(frame)  # an OSError (the client has gone) ends the connection
            sent += len(frame)
        log('endless_continuation: %d bytes sent, the client is still there; closing' % sent)
        raise OSError('endless_continuation: limit reached')

    def respond(self, stream_id, headers, data):
        """Headers, `data` (within the client's flow-control window), trailers with status 0."""
        conn = self.conn
        conn.send_headers(stream_id, headers)
        for i in range(0, len(data), conn.max_outbound_frame_size):
            conn.send_data(stream_id, data[i:i + conn.max_outbound_frame_size])
        conn.send_headers(stream_id, [('grpc-status', '0')], end_stream=True)


def log(text):
    print('fake_h2_server: ' + text, file=sys.stderr, flush=True)


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ('-h', '--help'):
        print(__doc__, file=sys.stderr)
        return 2
    mode = sys.argv[1]
    if mode == '--list':
        print('\n'.join(MODES))
        return 0
    if mode not in MODES:
        print('unknown mode %r; modes: %s' % (mode, ', '.join(MODES)), file=sys.stderr)
        return 2

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', 0))
    listener.listen(64)

    def accept_loop():
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=Connection(sock, mode).serve, daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print('PORT %d' % listener.getsockname()[1], flush=True)

    # Serve until stdin closes.
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


if __name__ == '__main__':
    sys.exit(main())
