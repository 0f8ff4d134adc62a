#!/usr/bin/env python3
"""Hostile-client checks for a gRPC server: raw HTTP/2 over plain sockets.

Usage:
    bad_input.py CASE --target HOST:PORT    run one case
    bad_input.py all  --target HOST:PORT    run every case
    bad_input.py --list                     print the case names

Each case opens its own TCP connection(s), sends something a well-behaved gRPC client never
sends, and checks the answer against RFC 9113 (HTTP/2) and grpc's doc/PROTOCOL-HTTP2.md. After
every case a normal grpcio call (`Unary` echo of b'ping') must still succeed, proving the server
keeps serving other clients.

Output: `INFO <case>: <what arrived>` (stdout) describes the server's answer so implementations
can be compared; `PASS <case>` (stdout) when the case passed, otherwise the difference goes to
stderr and the exit status is 1.

Every socket operation is bounded by a timeout, so a broken server cannot hang the script.
Only `hpack` (header compression) is used from python-hyper; frames are built and parsed by hand,
since the malformed cases need frames no library would produce.
"""

import argparse
import select
import socket
import struct
import sys
import time
import traceback

import grpc
import hpack

UNARY_PATH = '/grpcsync.testing.TestService/Unary'

CONNECT_TIMEOUT = 3.0   # seconds for TCP connect
IO_TIMEOUT = 3.0        # seconds for any single blocking send/recv
ANSWER_TIMEOUT = 5.0    # seconds a case waits for the server's answer
PING_TIMEOUT = 5.0      # seconds for the grpcio health call after each case
TRAILING_GRACE = 0.2    # seconds to keep reading after a stream ended (for a trailing RST_STREAM)
CHURN_BUDGET = 20.0     # seconds connection_churn may take in total

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'

# Frame types (RFC 9113 section 6).
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
FRAME_NAMES = {DATA: 'DATA', HEADERS: 'HEADERS', PRIORITY: 'PRIORITY', RST_STREAM: 'RST_STREAM',
               SETTINGS: 'SETTINGS', PUSH_PROMISE: 'PUSH_PROMISE', PING: 'PING',
               GOAWAY: 'GOAWAY', WINDOW_UPDATE: 'WINDOW_UPDATE', CONTINUATION: 'CONTINUATION'}

# Flags.
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20

# Error codes (RFC 9113 section 7).
ERROR_NAMES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR',
               'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM',
               'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
               'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED']
NO_ERROR, PROTOCOL_ERROR, STREAM_CLOSED, FRAME_SIZE_ERROR = 0, 1, 5, 6

GRPC_CODE_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED',
                   'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED',
                   'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
                   'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED']

MAX_FRAME_SIZE = 16384  # the peer's SETTINGS_MAX_FRAME_SIZE is at least this; we never exceed it


class CaseFailure(Exception):
    pass


def error_name(code):
    return ERROR_NAMES[code] if 0 <= code < len(ERROR_NAMES) else 'error_0x%x' % code


def grpc_code_name(value):
    try:
        code = int(value)
    except (TypeError, ValueError):
        return repr(value)
    if 0 <= code < len(GRPC_CODE_NAMES):
        return '%d %s' % (code, GRPC_CODE_NAMES[code])
    return str(code)


def parse_target(target):
    if target.startswith('['):
        host, _, rest = target[1:].partition(']')
        port = rest.lstrip(':')
    else:
        host, _, port = target.rpartition(':')
    if not host or not port.isdigit():
        raise SystemExit('bad --target %r, expected HOST:PORT' % target)
    return host, int(port)


# ---------------------------------------------------------------------------------------------
# Frames and events


def frame(ftype, flags, stream_id, payload=b''):
    """Encode one frame. The length field is always the payload's length: a malformed frame is
    made by giving it a payload of the wrong size for its type."""
    return (struct.pack('>I', len(payload))[1:]
            + struct.pack('>BBI', ftype, flags, stream_id & 0x7FFFFFFF) + payload)


def settings_frame(ack=False):
    """An empty SETTINGS frame (all defaults), or a SETTINGS ACK."""
    return frame(SETTINGS, ACK if ack else 0, 0)


def grpc_message(payload, declared_length=None):
    """A length-prefixed gRPC message (uncompressed); `declared_length` may lie."""
    if declared_length is None:
        declared_length = len(payload)
    return struct.pack('>BI', 0, declared_length) + payload


def header_block_frames(stream_id, block, end_stream):
    """HEADERS + CONTINUATION frames carrying `block`, each at most MAX_FRAME_SIZE."""
    chunks = [block[i:i + MAX_FRAME_SIZE] for i in range(0, len(block), MAX_FRAME_SIZE)] or [b'']
    out = []
    for i, chunk in enumerate(chunks):
        flags = END_HEADERS if i == len(chunks) - 1 else 0
        if i == 0:
            out.append(frame(HEADERS, flags | (END_STREAM if end_stream else 0), stream_id, chunk))
        else:
            out.append(frame(CONTINUATION, flags, stream_id, chunk))
    return b''.join(out)


def request_headers(authority, path=UNARY_PATH, method='POST', content_type='application/grpc',
                    extra=(), omit=()):
    headers = [(':method', method), (':scheme', 'http'), (':path', path),
               (':authority', authority), ('content-type', content_type), ('te', 'trailers')]
    headers = [(k, v) for k, v in headers if k not in omit]
    return headers + list(extra)


class Event:
    """Something that arrived from the server (or the end of the connection)."""

    def __init__(self, kind, stream_id=0, **fields):
        self.kind = kind          # HEADERS, DATA, RST_STREAM, GOAWAY, ..., 'closed', 'reset'
        self.stream_id = stream_id
        self.__dict__.update(fields)

    def __str__(self):
        if self.kind == HEADERS:
            shown = ' '.join('%s=%s' % (k, v) for k, v in self.headers
                             if k in (':status', 'content-type', 'grpc-status', 'grpc-message'))
            return 'HEADERS(stream %d%s%s)' % (self.stream_id, ', ' + shown if shown else '',
                                               ', END_STREAM' if self.end_stream else '')
        if self.kind == DATA:
            return 'DATA(stream %d, %d bytes%s)' % (self.stream_id, len(self.data),
                                                    ', END_STREAM' if self.end_stream else '')
        if self.kind == RST_STREAM:
            return 'RST_STREAM(stream %d, %s)' % (self.stream_id, error_name(self.code))
        if self.kind == GOAWAY:
            debug = (', debug=%r' % self.debug.decode('utf-8', 'replace')) if self.debug else ''
            return 'GOAWAY(last_stream=%d, %s%s)' % (self.last_stream, error_name(self.code),
                                                     debug)
        if self.kind == 'closed':
            return 'connection closed'
        if self.kind == 'reset':
            return 'connection reset'
        return '%s(stream %d)' % (FRAME_NAMES.get(self.kind, 'type_0x%x' % self.kind),
                                  self.stream_id)


def describe(events, skip=(SETTINGS, PING, WINDOW_UPDATE)):
    """Human-readable summary of the interesting events."""
    shown = [str(e) for e in events if e.kind not in skip]
    return ' -> '.join(shown) if shown else 'nothing'


_connections = []


class RawConnection:
    """A raw TCP connection speaking just enough HTTP/2 to observe a server's answers."""

    def __init__(self, target, send_preface=True):
        host, port = parse_target(target)
        self.authority = target
        self.sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        _connections.append(self)  # closed by run_case even if the case fails midway
        self.sock.settimeout(IO_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 20
        self.buf = b''
        self.eof = None           # None, 'closed' or 'reset'
        self.events = []          # everything seen so far
        self._pending_block = None  # (stream_id, end_stream, fragments) while in CONTINUATION
        # Our answers to the server's SETTINGS/PING/DATA. They are queued and only written
        # between the frames we send (never inside one, never before our preface).
        self._replies = bytearray()
        self.preface_sent = False
        if send_preface:
            self.send(PREFACE + settings_frame())
            self.preface_sent = True
            self._flush_replies()

    # --- sending --------------------------------------------------------------------------

    def send(self, data):
        """Send `data` (whole frames) while draining whatever the server sends meanwhile (so
        neither side can block on a full buffer). Returns False if the server closed or reset
        the connection before everything was sent."""
        view = memoryview(data)
        deadline = time.monotonic() + max(IO_TIMEOUT, ANSWER_TIMEOUT)
        while view:
            if self.eof:
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CaseFailure('timed out sending %d bytes (server stopped reading?)'
                                  % len(view))
            readable, writable, _ = select.select([self.sock], [self.sock], [], min(remaining, 0.5))
            if writable:
                try:
                    sent = self.sock.send(view[:65536])
                except (BrokenPipeError, ConnectionResetError):
                    self._mark_eof('reset')
                    return False
                except (BlockingIOError, socket.timeout):
                    sent = 0
                view = view[sent:]
            if readable:
                self._recv_some()
        self._flush_replies()
        return not self.eof

    def send_headers(self, stream_id, headers, end_stream=False, huffman=True):
        block = self.encoder.encode(headers, huffman=huffman)
        return self.send(header_block_frames(stream_id, block, end_stream))

    def close(self, abrupt=False):
        try:
            if abrupt:  # RST instead of FIN
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.sock.close()
        except OSError:
            pass

    # --- receiving ------------------------------------------------------------------------

    def _mark_eof(self, how):
        if not self.eof:
            self.eof = how
            self.events.append(Event(how))

    def _recv_some(self):
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError):
            self._mark_eof('reset')
            return
        except socket.timeout:
            return
        if not chunk:
            self._mark_eof('closed')
            return
        self.buf += chunk
        self._parse_frames()

    def _parse_frames(self):
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[:3], 'big')
            if length > (1 << 24) - 1 or len(self.buf) < 9 + length:
                return
            ftype, flags, stream_id = struct.unpack('>BBI', self.buf[3:9])
            stream_id &= 0x7FFFFFFF
            payload = self.buf[9:9 + length]
            self.buf = self.buf[9 + length:]
            self._on_frame(ftype, flags, stream_id, payload)

    def _on_frame(self, ftype, flags, stream_id, payload):
        if ftype == SETTINGS:
            if not flags & ACK:
                self._queue_reply(settings_frame(ack=True))
            self.events.append(Event(SETTINGS, 0, ack=bool(flags & ACK)))
        elif ftype == PING:
            if not flags & ACK:
                self._queue_reply(frame(PING, ACK, 0, payload))
            self.events.append(Event(PING, 0, ack=bool(flags & ACK)))
        elif ftype == GOAWAY:
            last, code = struct.unpack('>II', payload[:8]) if len(payload) >= 8 else (0, -1)
            self.events.append(Event(GOAWAY, 0, last_stream=last & 0x7FFFFFFF, code=code,
                                     debug=payload[8:]))
        elif ftype == RST_STREAM:
            code = struct.unpack('>I', payload[:4])[0] if len(payload) >= 4 else -1
            self.events.append(Event(RST_STREAM, stream_id, code=code))
        elif ftype in (HEADERS, CONTINUATION):
            if ftype == HEADERS:
                pos, pad = 0, 0
                if flags & PADDED:
                    pad, pos = payload[0], 1
                if flags & PRIORITY_FLAG:
                    pos += 5
                fragment = payload[pos:len(payload) - pad]
                self._pending_block = (stream_id, bool(flags & END_STREAM), [fragment])
            elif self._pending_block is not None:
                self._pending_block[2].append(payload)
            if flags & END_HEADERS and self._pending_block is not None:
                sid, end_stream, fragments = self._pending_block
                self._pending_block = None
                try:
                    decoded = self.decoder.decode(b''.join(fragments), raw=True)
                    headers = [(k.decode('latin-1'), v.decode('utf-8', 'replace'))
                               for k, v in decoded]
                except Exception as e:  # noqa: BLE001 - report, don't crash
                    headers = [('x-undecodable', repr(e))]
                self.events.append(Event(HEADERS, sid, headers=headers, end_stream=end_stream))
        elif ftype == DATA:
            data = payload
            if flags & PADDED and payload:
                data = payload[1:len(payload) - payload[0]]
            self.events.append(Event(DATA, stream_id, data=data,
                                     end_stream=bool(flags & END_STREAM)))
            if payload:
                # Keep the server's send windows open (padding counts too).
                inc = struct.pack('>I', len(payload))
                self._queue_reply(frame(WINDOW_UPDATE, 0, 0, inc) +
                                   frame(WINDOW_UPDATE, 0, stream_id, inc))
        else:
            self.events.append(Event(ftype, stream_id, flags=flags, payload=payload))

    def _queue_reply(self, data):
        if self.preface_sent:
            self._replies += data

    def _flush_replies(self):
        if self._replies and not self.eof:
            data, self._replies = bytes(self._replies), bytearray()
            try:
                self.sock.sendall(data)
            except OSError:
                pass  # the server went away; reading will tell

    def wait_for(self, done, timeout=ANSWER_TIMEOUT):
        """Read until `done(events)` is true or the connection ends; returns the events.
        Raises CaseFailure on timeout."""
        deadline = time.monotonic() + timeout
        while not done(self.events):
            if self.eof:
                return self.events
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CaseFailure('no answer within %.0f s; got: %s'
                                  % (timeout, describe(self.events)))
            readable, _, _ = select.select([self.sock], [], [], min(remaining, 0.5))
            if readable:
                self._recv_some()
                self._flush_replies()
        return self.events

    def wait_for_stream(self, stream_id, timeout=ANSWER_TIMEOUT):
        """Wait until the stream is done (see stream_done), then keep reading briefly so that
        a RST_STREAM or GOAWAY following the end of the response is recorded too."""
        self.wait_for(stream_done(stream_id), timeout)
        return self.linger(TRAILING_GRACE)

    def wait_for_close(self, timeout=ANSWER_TIMEOUT):
        """Read until the server ends the connection or `timeout` passes; check self.eof."""
        return self.linger(timeout)

    def linger(self, seconds):
        """Read whatever arrives during `seconds` (no failure if nothing does)."""
        deadline = time.monotonic() + seconds
        while not self.eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            readable, _, _ = select.select([self.sock], [], [], remaining)
            if readable:
                self._recv_some()
                self._flush_replies()
        return self.events


# Predicates over event lists.

def stream_done(stream_id):
    """The stream is finished: END_STREAM from the server, RST_STREAM, or a GOAWAY."""
    def done(events):
        for e in events:
            if e.stream_id == stream_id and e.kind in (HEADERS, DATA) and e.end_stream:
                return True
            if e.stream_id == stream_id and e.kind == RST_STREAM:
                return True
            if e.kind == GOAWAY:
                return True
        return False
    return done


def of_stream(events, stream_id):
    return [e for e in events
            if e.stream_id == stream_id and e.kind in (HEADERS, DATA, RST_STREAM)]


def merged_headers(events, stream_id):
    """All headers (initial + trailers) the server sent on a stream, in order."""
    out = []
    for e in events:
        if e.kind == HEADERS and e.stream_id == stream_id:
            out.extend(e.headers)
    return out


def first(headers, name):
    for k, v in headers:
        if k == name:
            return v
    return None


def goaways(events):
    return [e for e in events if e.kind == GOAWAY]


# ---------------------------------------------------------------------------------------------
# Cases. Each records what arrived with note() -- before checking it, so that the INFO line is
# printed for failures too -- and raises CaseFailure when the answer is wrong.

_notes = []


def note(text):
    _notes.append(text)
    return text


def case_garbage_preface(target):
    """100 bytes of garbage instead of the connection preface: the server must end the
    connection (a GOAWAY first is optional)."""
    conn = RawConnection(target, send_preface=False)
    garbage = bytes((i * 37 + 11) % 256 for i in range(100))  # never starts with 'PRI'
    start = time.monotonic()
    conn.send(garbage)
    events = conn.wait_for_close()
    info = note('%s after %.3f s' % (describe(events), time.monotonic() - start))
    conn.close()
    if not conn.eof:
        raise CaseFailure('connection still open after %.0f s: %s' % (ANSWER_TIMEOUT, info))


def case_malformed_frame(target):
    """A SETTINGS frame whose length is not a multiple of 6, and (on a second connection) a
    WINDOW_UPDATE on stream 0 with length 3: each is a connection error of type
    FRAME_SIZE_ERROR (RFC 9113 6.5, 6.9). The server MUST close the connection; it SHOULD send
    a GOAWAY first (RFC 9113 5.4.1), which, if sent, must carry FRAME_SIZE_ERROR or
    PROTOCOL_ERROR. A bare close is accepted (grpcio does that) and reported in INFO."""
    variants = [
        ('SETTINGS length 5', frame(SETTINGS, 0, 0, b'\x00\x04\x00\x00\x10')),
        ('WINDOW_UPDATE stream 0 length 3', frame(WINDOW_UPDATE, 0, 0, b'\x00\x00\x01')),
    ]
    infos, problems = [], []
    for name, bad in variants:
        conn = RawConnection(target)
        conn.wait_for(lambda ev: any(e.kind == SETTINGS and not e.ack for e in ev))
        start = time.monotonic()
        conn.send(bad)
        events = conn.wait_for_close()
        info = '%s after %.3f s' % (describe(events), time.monotonic() - start)
        conn.close()
        gs = goaways(events)
        if not gs:
            info += ' (no GOAWAY)'
        infos.append('%s: %s' % (name, info))
        if not conn.eof:
            problems.append('%s: connection still open after %.0f s: %s'
                            % (name, ANSWER_TIMEOUT, info))
        for g in gs:
            if g.code not in (FRAME_SIZE_ERROR, PROTOCOL_ERROR):
                problems.append('%s: GOAWAY with %s, expected FRAME_SIZE_ERROR or '
                                'PROTOCOL_ERROR: %s' % (name, error_name(g.code), info))
    note('; '.join(infos))
    if problems:
        raise CaseFailure('; '.join(problems))


def case_wrong_content_type(target):
    """content-type text/html on a gRPC path: PROTOCOL-HTTP2.md says the server SHOULD answer
    HTTP 415 (Unsupported Media Type) so that non-gRPC clients do not mistake a gRPC answer,
    which uses :status 200, for success. Required here: :status 415 ending the stream."""
    conn = RawConnection(target)
    conn.send_headers(1, request_headers(conn.authority, content_type='text/html'))
    conn.send(frame(DATA, END_STREAM, 1, grpc_message(b'ping')))
    events = conn.wait_for_stream(1)
    conn.close()
    info = note(describe(events))
    status = first(merged_headers(events, 1), ':status')
    if status != '415':
        raise CaseFailure(':status %s, expected 415: %s' % (status, info))
    if not any(e.stream_id == 1 and e.kind in (HEADERS, DATA) and e.end_stream for e in events):
        raise CaseFailure('the 415 response did not end the stream (END_STREAM): %s' % info)


def case_missing_path(target):
    """HEADERS without :path is a malformed request (RFC 9113 8.3.1), which MUST be treated as
    a stream error of type PROTOCOL_ERROR (8.1.1) -> RST_STREAM(PROTOCOL_ERROR), possibly
    after an HTTP error response; or a connection error (GOAWAY). The connection may stay open."""
    conn = RawConnection(target)
    conn.send_headers(1, request_headers(conn.authority, omit=(':path',)), end_stream=False)
    conn.send(frame(DATA, END_STREAM, 1, grpc_message(b'ping')))
    events = conn.wait_for_stream(1)
    conn.close()
    info = note(describe(events))
    rsts = [e for e in of_stream(events, 1) if e.kind == RST_STREAM]
    gs = goaways(events)
    status = first(merged_headers(events, 1), ':status')
    if status == '200':
        raise CaseFailure('request without :path answered with :status 200: %s' % info)
    if rsts:
        if rsts[0].code != PROTOCOL_ERROR:
            raise CaseFailure('RST_STREAM with %s, expected PROTOCOL_ERROR: %s'
                              % (error_name(rsts[0].code), info))
    elif gs:
        if gs[0].code == NO_ERROR:
            raise CaseFailure('GOAWAY with NO_ERROR, expected an error code: %s' % info)
    else:
        raise CaseFailure('expected RST_STREAM(PROTOCOL_ERROR) or GOAWAY: %s' % info)


def case_method_get(target):
    """:method GET (proper path and content-type): gRPC requires POST, so the call must be
    refused somehow -- a non-200 :status, a grpc-status other than 0, a RST_STREAM or a GOAWAY.
    A successful echo fails the case."""
    conn = RawConnection(target)
    conn.send_headers(1, request_headers(conn.authority, method='GET'), end_stream=False)
    conn.send(frame(DATA, END_STREAM, 1, grpc_message(b'ping')))
    events = conn.wait_for_stream(1)
    conn.close()
    info = note(describe(events))
    if not refused(events, 1):
        raise CaseFailure('GET was not refused: %s' % info)


def refused(events, stream_id):
    """The server refused the call on `stream_id`: RST_STREAM, GOAWAY with an error, a non-200
    :status, or a grpc-status other than 0 (OK)."""
    headers = merged_headers(events, stream_id)
    status, grpc_status = first(headers, ':status'), first(headers, 'grpc-status')
    return bool(any(e.kind == RST_STREAM for e in of_stream(events, stream_id))
                or any(g.code != NO_ERROR for g in goaways(events))
                or (status is not None and status != '200')
                or (grpc_status is not None and grpc_status != '0'))


def case_huge_length_prefix(target):
    """A 5-byte message prefix announcing 0xFFFFFFFF bytes (no END_STREAM, nothing more): the
    server must refuse from the prefix alone -> trailers with grpc-status 8 and grpc-message
    containing 'Received message larger than max (4294967295 vs. 4194304)' (a RST_STREAM may
    follow)."""
    conn = RawConnection(target)
    conn.send_headers(1, request_headers(conn.authority))
    conn.send(frame(DATA, 0, 1, struct.pack('>BI', 0, 0xFFFFFFFF)))
    events = conn.wait_for_stream(1)
    conn.close()
    info = note(describe(events))
    headers = merged_headers(events, 1)
    grpc_status, message = first(headers, 'grpc-status'), first(headers, 'grpc-message')
    if grpc_status != '8':
        raise CaseFailure('grpc-status %s, expected 8 RESOURCE_EXHAUSTED: %s'
                          % (grpc_code_name(grpc_status), info))
    want = 'Received message larger than max (4294967295 vs. 4194304)'
    decoded = percent_decode(message or '')
    if want not in decoded:
        raise CaseFailure('grpc-message %r does not contain %r: %s' % (decoded, want, info))


def case_huge_header_block(target):
    """1 MiB of header block in HEADERS + CONTINUATION frames, once as one very long value and
    once as many 1000-byte headers, followed by a valid 'ping' message. Expected: a refusal
    (RST_STREAM, GOAWAY, HTTP 431 or another error status), and the server keeps running.
    SETTINGS_MAX_HEADER_LIST_SIZE is only advisory (RFC 9113 6.5.2, 10.5.1), so a server may
    also process the call; that is accepted if the answer is the correct echo (grpcio 1.85 does
    this) and reported in INFO."""
    total = 1 << 20
    count = total // 1000 + 1
    variants = [
        ('one %d-byte value' % total,
         [hpack.NeverIndexedHeaderTuple('x-huge', 'v' * total)]),
        ('%d headers of 1000 bytes' % count,
         [hpack.NeverIndexedHeaderTuple('x-pad-%04d' % i, chr(ord('a') + i % 26) * 1000)
          for i in range(count)]),
    ]
    infos, problems = [], []
    for name, extra in variants:
        conn = RawConnection(target)
        headers = request_headers(conn.authority, extra=extra)
        block = conn.encoder.encode(headers, huffman=False)
        frames = header_block_frames(1, block, end_stream=False)
        complete = conn.send(frames)
        if complete:
            complete = conn.send(frame(DATA, END_STREAM, 1, grpc_message(b'ping')))
        events = conn.wait_for_stream(1)
        conn.close()
        info = describe(events)
        if not complete:
            info += ' (the connection ended before everything was sent)'
        infos.append('%s (%d-byte block in %d frames): %s'
                     % (name, len(block), -(-len(block) // MAX_FRAME_SIZE), info))
        if not refused(events, 1):
            messages = response_messages(events, 1)
            if first(merged_headers(events, 1), 'grpc-status') == '0' and messages == [b'ping']:
                infos[-1] += ' [accepted: call succeeded with the correct echo]'
            else:
                problems.append('%s: neither refused nor a correct echo (messages %r): %s'
                                % (name, messages, info))
    note('; '.join(infos))
    if problems:
        raise CaseFailure('; '.join(problems))


def response_messages(events, stream_id):
    """The gRPC messages carried by the server's DATA frames on a stream (None if the
    length-prefixed framing is broken)."""
    body = b''.join(e.data for e in events if e.kind == DATA and e.stream_id == stream_id)
    messages = []
    while body:
        if len(body) < 5:
            return None
        length = struct.unpack('>I', body[1:5])[0]
        if len(body) < 5 + length:
            return None
        messages.append(body[5:5 + length])
        body = body[5 + length:]
    return messages


def case_disconnect_mid_message(target):
    """Request headers, then a DATA frame whose prefix announces 1000 bytes but carries only 10,
    then an abrupt close (TCP RST); once more with an orderly close (FIN). Nothing to check but
    the server surviving (checked after every case)."""
    infos = []
    for abrupt in (True, False):
        conn = RawConnection(target)
        conn.send_headers(1, request_headers(conn.authority))
        conn.send(frame(DATA, 0, 1, grpc_message(b'0123456789', declared_length=1000)))
        conn.linger(0.1)
        conn.close(abrupt=abrupt)
        infos.append('%s: server had sent %s' % ('abrupt close (RST)' if abrupt
                                                  else 'orderly close (FIN)',
                                                  describe(conn.events)))
    note('; '.join(infos))


def case_connection_churn(target):
    """500 connections in batches of 50: each sends the preface + SETTINGS, every other one also
    request HEADERS, every fourth also a partial message; all are then dropped, half of them
    with a TCP RST, half with a FIN."""
    total, batch = 500, 50
    opened = 0
    start = time.monotonic()
    for b in range(total // batch):
        if time.monotonic() - start > CHURN_BUDGET:
            raise CaseFailure('only %d connections done within %.0f s' % (opened, CHURN_BUDGET))
        conns = []
        try:
            for i in range(batch):
                n = b * batch + i
                conn = RawConnection(target, send_preface=False)
                conns.append(conn)
                data = PREFACE + settings_frame()
                if n % 2:
                    data += header_block_frames(1, conn.encoder.encode(
                        request_headers(conn.authority)), end_stream=False)
                if n % 4 == 3:
                    data += frame(DATA, 0, 1, grpc_message(b'abc', declared_length=100))
                conn.sock.sendall(data)
                opened += 1
        except OSError as e:
            raise CaseFailure('connection %d failed: %r' % (opened + 1, e))
        finally:
            for i, conn in enumerate(conns):
                conn.close(abrupt=bool(i % 2))
    note('%d connections opened and dropped in %.2f s' % (opened, time.monotonic() - start))


def grpc_status_of(events, stream_id):
    """(grpc-status, decoded grpc-message) the server sent on a stream, or (None, None)."""
    headers = merged_headers(events, stream_id)
    return first(headers, 'grpc-status'), percent_decode(first(headers, 'grpc-message') or '')


def expect_internal(events, stream_id, info, want_text=None):
    """The stream was answered grpc-status 13 INTERNAL (with `want_text` in grpc-message)."""
    status, message = grpc_status_of(events, stream_id)
    if status != '13':
        raise CaseFailure('grpc-status %s, expected 13 INTERNAL: %s' % (grpc_code_name(status), info))
    if want_text is not None and want_text not in message:
        raise CaseFailure('grpc-message %r does not contain %r: %s' % (message, want_text, info))


def case_bad_message_flag(target):
    """A message whose flag byte is 2 (PROTOCOL-HTTP2.md: the Compressed-Flag is 0 or 1; grpc
    core reads any other value as a bad frame type): the call ends INTERNAL."""
    conn = RawConnection(target)
    conn.send_headers(1, request_headers(conn.authority))
    conn.send(frame(DATA, END_STREAM, 1, struct.pack('>BI', 2, 4) + b'ping'))
    events = conn.wait_for_stream(1)
    conn.close()
    info = note('%s (grpc-message %r)' % (describe(events), grpc_status_of(events, 1)[1]))
    expect_internal(events, 1, info)


def case_unary_two_requests(target):
    """Two request messages for a unary method, then END_STREAM: the call ends INTERNAL (as
    grpc-java answers, 'Too many requests'), and the handler's answer is not sent."""
    conn = RawConnection(target)
    conn.send_headers(1, request_headers(conn.authority))
    conn.send(frame(DATA, END_STREAM, 1, grpc_message(b'one') + grpc_message(b'two')))
    events = conn.wait_for_stream(1)
    conn.close()
    info = note('%s (grpc-message %r, messages %r)'
                % (describe(events), grpc_status_of(events, 1)[1], response_messages(events, 1)))
    expect_internal(events, 1, info)


def case_bad_grpc_timeout(target):
    """grpc-timeout that is not 1-8 digits plus a unit (H M S m u n): 'abc', nine digits, an
    unknown unit, a sign, no digits. Each call ends INTERNAL (grpcio answers 'abc' so)."""
    infos, problems = [], []
    for value in ('abc', '123456789S', '10x', '-1S', 'S'):
        conn = RawConnection(target)
        conn.send_headers(1, request_headers(conn.authority, extra=[('grpc-timeout', value)]))
        conn.send(frame(DATA, END_STREAM, 1, grpc_message(b'ping')))
        events = conn.wait_for_stream(1)
        conn.close()
        info = '%r: %s (grpc-message %r)' % (value, describe(events), grpc_status_of(events, 1)[1])
        infos.append(info)
        try:
            expect_internal(events, 1, info)
        except CaseFailure as e:
            problems.append(str(e))
    note('; '.join(infos))
    if problems:
        raise CaseFailure('; '.join(problems))


def case_stream_id_regression(target):
    """HEADERS opening a stream whose id is lower than one the client already opened: once a
    skipped id (3 after 5), once a finished stream's (1 after 3). RFC 9113 5.1.1: a connection
    error of type PROTOCOL_ERROR, so GOAWAY(PROTOCOL_ERROR) and the connection closes; the call
    on the reused id must not be served. A finished stream the server still knows may instead
    be answered STREAM_CLOSED (5.1, half-closed (remote)), also a connection error."""
    infos, problems = [], []
    for name, first_ids, reused, codes in (('3 after 5', (5,), 3, (PROTOCOL_ERROR,)),
                                           ('1 after 1, 3', (1, 3), 1, (PROTOCOL_ERROR, STREAM_CLOSED))):
        conn = RawConnection(target)
        for sid in first_ids:
            conn.send_headers(sid, request_headers(conn.authority))
            conn.send(frame(DATA, END_STREAM, sid, grpc_message(b'ping')))
            conn.wait_for_stream(sid)
        seen = len(conn.events)
        conn.send_headers(reused, request_headers(conn.authority))
        conn.send(frame(DATA, END_STREAM, reused, grpc_message(b'ping')))
        events = conn.wait_for_close()
        conn.close()
        info = '%s: %s' % (name, describe(events[seen:]))
        infos.append(info)
        gs = goaways(events[seen:])
        if not gs or gs[0].code not in codes:
            problems.append('%s: expected GOAWAY(%s): %s'
                            % (name, ' or '.join(error_name(c) for c in codes), info))
        elif not conn.eof:
            problems.append('%s: connection still open after the GOAWAY: %s' % (name, info))
        if any(e.kind == HEADERS and e.stream_id == reused for e in events[seen:]):
            problems.append('%s: the reused stream %d was answered: %s' % (name, reused, info))
    note('; '.join(infos))
    if problems:
        raise CaseFailure('; '.join(problems))


def percent_decode(text):
    """grpc-message is percent-encoded (PROTOCOL-HTTP2.md)."""
    data = text.encode('utf-8')
    raw = bytearray()
    i = 0
    while i < len(data):
        two = data[i + 1:i + 3]
        if data[i] == 0x25 and len(two) == 2 and all(c in b'0123456789abcdefABCDEF' for c in two):
            raw.append(int(two, 16))
            i += 3
        else:
            raw.append(data[i])
            i += 1
    return raw.decode('utf-8', 'replace')


CASES = {
    'garbage_preface': case_garbage_preface,
    'malformed_frame': case_malformed_frame,
    'wrong_content_type': case_wrong_content_type,
    'missing_path': case_missing_path,
    'method_get': case_method_get,
    'huge_length_prefix': case_huge_length_prefix,
    'huge_header_block': case_huge_header_block,
    'disconnect_mid_message': case_disconnect_mid_message,
    'connection_churn': case_connection_churn,
    'bad_message_flag': case_bad_message_flag,
    'unary_two_requests': case_unary_two_requests,
    'bad_grpc_timeout': case_bad_grpc_timeout,
    'stream_id_regression': case_stream_id_regression,
}


# ---------------------------------------------------------------------------------------------


def check_still_serving(target):
    """A normal grpcio call must still work."""
    channel = grpc.insecure_channel(target)
    try:
        answer = channel.unary_unary(UNARY_PATH)(b'ping', timeout=PING_TIMEOUT)
    except grpc.RpcError as e:
        raise CaseFailure('server no longer serves: Unary failed with %s %r'
                          % (e.code(), e.details()))
    finally:
        channel.close()
    if answer != b'ping':
        raise CaseFailure('server no longer serves: Unary answered %r, expected b\'ping\''
                          % answer)


def run_case(name, target):
    """Runs one case and the liveness check. Returns (passed, server_alive)."""
    passed = True
    del _notes[:]
    try:
        CASES[name](target)
    except CaseFailure as e:
        print('FAIL %s: %s' % (name, e), file=sys.stderr, flush=True)
        passed = False
    except OSError as e:
        print('FAIL %s: socket error %r' % (name, e), file=sys.stderr, flush=True)
        passed = False
    except Exception:  # noqa: BLE001 - a bug in a case must not hide the others
        print('FAIL %s: the case itself crashed:\n%s' % (name, traceback.format_exc()),
              file=sys.stderr, flush=True)
        passed = False
    while _connections:
        _connections.pop().close()
    print('INFO %s: %s' % (name, '; '.join(_notes) or 'nothing recorded (see FAIL)'), flush=True)
    try:
        check_still_serving(target)
        alive = True
    except CaseFailure as e:
        print('FAIL %s: %s' % (name, e), file=sys.stderr, flush=True)
        passed = alive = False
    if passed:
        print('PASS %s' % name, flush=True)
    return passed, alive


def main():
    parser = argparse.ArgumentParser(
        description='Attack a gRPC server with bad input over raw sockets.')
    parser.add_argument('case', nargs='?', help='case name, or "all"')
    parser.add_argument('--target', help='HOST:PORT of the server under test')
    parser.add_argument('--list', action='store_true', help='print the case names')
    args = parser.parse_args()
    if args.list:
        print('\n'.join(CASES))
        return 0
    if not args.case or not args.target:
        parser.error('CASE and --target are required (or --list)')
    if args.case != 'all' and args.case not in CASES:
        parser.error('unknown case %r; one of: all, %s' % (args.case, ', '.join(CASES)))
    names = list(CASES) if args.case == 'all' else [args.case]
    failed = False
    for i, name in enumerate(names):
        passed, alive = run_case(name, args.target)
        failed = failed or not passed
        if not alive and names[i + 1:]:
            print('server no longer serves; not running: %s' % ', '.join(names[i + 1:]),
                  file=sys.stderr, flush=True)
            break
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
