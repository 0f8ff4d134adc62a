#!/usr/bin/env python3
"""A client that tries to make a gRPC server hold unbounded request bytes on one connection.

Usage:
    flood_client.py --target HOST:PORT [--streams 4000] [--seconds 10] [--message-bytes 4194304]

One raw HTTP/2 connection (frames built by hand, HPACK from python-hyper's `hpack`) opens up to
--streams unary calls in total, as many at once as the server's SETTINGS_MAX_CONCURRENT_STREAMS
allows (from its first SETTINGS on) (a stream the server ends is reset on this side too and replaced by a new one). Each call's single message declares
--message-bytes and is filled as the server's windows allow, but never finished, so the server
can hand nothing to a handler. The client honours flow control like a well-behaved peer: it sends
exactly what the windows allow, no more, for --seconds, then closes.

It prints one line, then exits 0:
    FLOOD opened=<streams opened> sent=<DATA bytes sent> ended=<streams the server ended>
          statuses=<grpc-status:count,...> resets=<RST_STREAM error code:count,...> goaway=<code or none>
          max_concurrent=<the server's SETTINGS_MAX_CONCURRENT_STREAMS or none>
          stalled=<seconds spent with no window to send>
The caller compares what the server held against what was sent.
"""

import argparse
import select
import socket
import struct
import sys
import time

import hpack

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
MAX_FRAME = 16384
UNARY_PATH = '/grpcsync.testing.TestService/Unary'


def frame(ftype, flags, stream_id, payload=b''):
    return struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', ftype, flags, stream_id) + payload


class Flood:
    def __init__(self, target, total_streams, message_bytes):
        host, _, port = target.rpartition(':')
        self.authority = target
        self.sock = socket.create_connection((host.strip('[]'), int(port)), timeout=5)
        self.sock.setblocking(False)
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.total_streams = total_streams
        self.message_bytes = message_bytes
        self.out = bytearray()
        self.inbuf = b''
        # Flow control towards the server: its connection window starts at 65535; each stream's
        # at its SETTINGS_INITIAL_WINDOW_SIZE (65535 until its SETTINGS arrive).
        self.connection_window = 65535
        self.initial_window = 65535
        self.max_concurrent = None
        self.settings_received = False
        self.open = {}            # stream id -> [window, bytes of the message still to send]
        self.next_id = 1
        self.opened = self.sent = self.ended = 0
        self.resets = {}          # RST_STREAM error code -> count
        self.statuses = {}
        self.goaway = None
        self.closed = False
        self.out += PREFACE + frame(SETTINGS, 0, 0)

    # --- what arrives -------------------------------------------------------------------------

    def read(self):
        try:
            chunk = self.sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.closed = True
            return
        if not chunk:
            self.closed = True
            return
        self.inbuf += chunk
        while len(self.inbuf) >= 9:
            length = int.from_bytes(self.inbuf[:3], 'big')
            if len(self.inbuf) < 9 + length:
                break
            ftype, flags, sid = struct.unpack('>BBI', self.inbuf[3:9])
            payload = self.inbuf[9:9 + length]
            self.inbuf = self.inbuf[9 + length:]
            self.on_frame(ftype, flags, sid & 0x7FFFFFFF, payload)

    def on_frame(self, ftype, flags, sid, payload):
        if ftype == SETTINGS and not flags & ACK:
            for i in range(0, len(payload) - 5, 6):
                key, value = struct.unpack('>HI', payload[i:i + 6])
                if key == 3:
                    self.max_concurrent = value
                elif key == 4:
                    delta = value - self.initial_window
                    self.initial_window = value
                    for state in self.open.values():
                        state[0] += delta
            self.out += frame(SETTINGS, ACK, 0)
            self.settings_received = True
        elif ftype == PING and not flags & ACK:
            self.out += frame(PING, ACK, 0, payload)
        elif ftype == WINDOW_UPDATE:
            increment = struct.unpack('>I', payload[:4])[0] & 0x7FFFFFFF
            if sid == 0:
                self.connection_window += increment
            elif sid in self.open:
                self.open[sid][0] += increment
        elif ftype == HEADERS:
            fields = dict(self.decoder.decode(payload)) if flags & END_HEADERS else {}
            if 'grpc-status' in fields:
                key = fields['grpc-status']
                self.statuses[key] = self.statuses.get(key, 0) + 1
            # An answer ends the server's half only: the stream counts against its limit until
            # the server resets the half still sending (it does, RST_STREAM NO_ERROR).
        elif ftype == DATA and payload:
            self.out += frame(WINDOW_UPDATE, 0, 0, struct.pack('>I', len(payload)))
        elif ftype == RST_STREAM:
            code = struct.unpack('>I', payload[:4])[0] if len(payload) >= 4 else -1
            self.resets[code] = self.resets.get(code, 0) + 1
            self.end_stream(sid)
        elif ftype == GOAWAY:
            self.goaway = struct.unpack('>I', payload[4:8])[0] if len(payload) >= 8 else -1

    def end_stream(self, sid):
        if self.open.pop(sid, None) is not None:
            self.ended += 1

    # --- what goes out ------------------------------------------------------------------------

    def open_streams(self):
        if not self.settings_received:
            return  # the server's stream limit comes with them
        limit = self.max_concurrent if self.max_concurrent is not None else self.total_streams
        while (self.goaway is None and len(self.open) < limit and self.opened < self.total_streams
               and len(self.out) < (1 << 20)):
            sid = self.next_id
            self.next_id += 2
            headers = [(':method', 'POST'), (':scheme', 'http'), (':path', UNARY_PATH),
                       (':authority', self.authority), ('content-type', 'application/grpc'),
                       ('te', 'trailers')]
            self.out += frame(HEADERS, END_HEADERS, sid, self.encoder.encode(headers))
            # The prefix declares the whole message; its bytes follow as windows allow.
            self.open[sid] = [self.initial_window, 5 + self.message_bytes - 1]
            self.opened += 1
            self.send_data(sid, struct.pack('>BI', 0, self.message_bytes))

    def send_data(self, sid, payload):
        state = self.open[sid]
        self.out += frame(DATA, 0, sid, payload)
        state[0] -= len(payload)
        state[1] -= len(payload)
        self.connection_window -= len(payload)
        self.sent += len(payload)

    def fill(self):
        """Sends DATA on every stream, as far as the windows allow (never the last byte)."""
        progressed = False
        for sid in list(self.open):
            if len(self.out) >= (1 << 20):
                break
            window, left = self.open[sid]
            count = min(MAX_FRAME, window, left, self.connection_window)
            if count <= 0:
                continue
            self.send_data(sid, b'x' * count)
            progressed = True
        return progressed

    def flush(self):
        if not self.out:
            return
        try:
            n = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.closed = True
            return
        del self.out[:n]

    def run(self, seconds):
        end = time.monotonic() + seconds
        stalled = 0.0
        while not self.closed and time.monotonic() < end:
            self.open_streams()
            progressed = self.fill()
            want_write = bool(self.out)
            before = time.monotonic()
            readable, writable, _ = select.select(
                [self.sock], [self.sock] if want_write else [], [], 0.05)
            if readable:
                self.read()
            if writable:
                self.flush()
            if not progressed and not want_write and self.open:
                stalled += time.monotonic() - before
        self.sock.close()
        return stalled


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--target', required=True)
    parser.add_argument('--streams', type=int, default=4000)
    parser.add_argument('--seconds', type=float, default=10)
    parser.add_argument('--message-bytes', type=int, default=4 << 20)
    args = parser.parse_args()
    flood = Flood(args.target, args.streams, args.message_bytes)
    stalled = flood.run(args.seconds)
    statuses = ','.join('%s:%d' % item for item in sorted(flood.statuses.items())) or 'none'
    resets = ','.join('%d:%d' % item for item in sorted(flood.resets.items())) or 'none'
    print('FLOOD opened=%d sent=%d ended=%d statuses=%s resets=%s goaway=%s max_concurrent=%s '
          'stalled=%.1f' % (flood.opened, flood.sent, flood.ended, statuses, resets,
                            'none' if flood.goaway is None else flood.goaway,
                            'none' if flood.max_concurrent is None else flood.max_concurrent,
                            stalled), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
