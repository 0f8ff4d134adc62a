#!/usr/bin/env python3
"""Message compression as seen on the wire (grpc's doc/compression.md), for a gRPC server that
implements the conformance TestService (SPEC.md), and a grpcio client for fake servers.

Usage:
    compression_wire.py CASE --target HOST:PORT --peer swift|grpcio [--gzip-target HOST:PORT]
    compression_wire.py all  --target HOST:PORT --peer swift|grpcio  --gzip-target HOST:PORT
    compression_wire.py call --target HOST:PORT [--compression NAME] [--size N]
    compression_wire.py --list

A CASE sends raw HTTP/2 requests (bad_input.py's RawConnection) and checks the compressed flags,
`grpc-encoding` and `grpc-accept-encoding` of the answers, and the status of malformed compressed
requests. `--gzip-target` is a second server of the same kind started with gzip as its default
compression (used by `server_default`). Where grpcio answers differently from this runtime, on
purpose (docs/porting.md), the case checks grpcio's answer when `--peer grpcio` says that the
server is grpcio's; the docstrings name both.

Output as bad_input.py: `INFO <case>: <what arrived>`, then `PASS <case>` or a FAIL line on stderr.
After every case a normal grpcio call must still succeed.

`call` makes one grpcio unary call of `--size` bytes of `a` to `/x.Y/Z` with per-call compression
`--compression` and prints `OK <response, latin-1>` or `ERROR <CODE> <details>`: the same call
the Swift client makes against fake_h2_server.py, to compare the two clients.
"""

import argparse
import struct
import sys
import traceback
import zlib

import grpc

from bad_input import (DATA, END_STREAM, HEADERS, CaseFailure, RawConnection, _connections,
                       check_still_serving, describe, first, frame, merged_headers,
                       percent_decode, request_headers)
from peer_common import COMPRESSION_BY_NAME, method_path

ACCEPT_ALL = 'identity, deflate, gzip'
BOMB_SOURCE_LENGTH = 10 * 1024 * 1024  # inflates to this; the compressed form is about 10 KiB

# zlib window bits of each grpc-encoding: grpc's `deflate` is the zlib format, not raw deflate.
WINDOW_BITS = {'deflate': 15, 'gzip': 31}

_notes = []


def note(text):
    _notes.append(text)
    return text


def compress(data, encoding):
    compressor = zlib.compressobj(6, zlib.DEFLATED, WINDOW_BITS[encoding])
    return compressor.compress(data) + compressor.flush()


def decompress(data, encoding):
    decompressor = zlib.decompressobj(WINDOW_BITS[encoding])
    out = decompressor.decompress(data)
    if not decompressor.eof or decompressor.unused_data:
        raise CaseFailure('response message is not a complete %s stream' % encoding)
    return out


def message(payload, compressed=False):
    return struct.pack('>BI', 1 if compressed else 0, len(payload)) + payload


def pattern(length, seed=0):
    """Compressible bytes that are not all alike."""
    return bytes((i * 7 + i // 251 + seed) % 64 + 32 for i in range(length))


def exchange(target, method, messages, extra=()):
    """One call on a raw connection: headers with `extra`, the framed `messages` (bytes), END_STREAM.
    Returns (all headers the server sent, [(flag, payload)], the events)."""
    conn = RawConnection(target)
    conn.send_headers(1, request_headers(conn.authority, path=method_path(method), extra=extra))
    conn.send(frame(DATA, END_STREAM, 1, b''.join(messages)))
    events = conn.wait_for_stream(1)
    conn.close()
    body = b''.join(e.data for e in events if e.kind == DATA and e.stream_id == 1)
    received = []
    while len(body) >= 5:
        flag, length = struct.unpack('>BI', body[:5])
        received.append((flag, body[5:5 + length]))
        body = body[5 + length:]
    return merged_headers(events, 1), received, events


def status_of(headers):
    return first(headers, 'grpc-status'), percent_decode(first(headers, 'grpc-message') or '')


def expect_status(what, headers, events, code, details_prefix=None):
    status, details = status_of(headers)
    info = note('%s: grpc-status %s %r (%s)' % (what, status, details, describe(events)))
    if status != str(code):
        raise CaseFailure('%s: grpc-status %s, expected %d: %s' % (what, status, code, info))
    if details_prefix is not None and not details.startswith(details_prefix):
        raise CaseFailure('%s: grpc-message %r does not start with %r' % (what, details, details_prefix))


def decoded(headers, received):
    """The payloads of `received`, decompressed with the response's grpc-encoding."""
    encoding = first(headers, 'grpc-encoding')
    return [decompress(payload, encoding) if flag & 1 else payload for flag, payload in received]


def expect_response(what, headers, received, encoding, flags, payloads):
    """The call succeeded, with `grpc-encoding` `encoding` (None: absent), messages with these
    compressed flags, and these payloads once decompressed."""
    status, details = status_of(headers)
    got_flags = [flag for flag, _ in received]
    info = note('%s: grpc-encoding %s, flags %s, grpc-status %s' % (
        what, first(headers, 'grpc-encoding'), got_flags, status))
    if status != '0':
        raise CaseFailure('%s: grpc-status %s %r, expected 0' % (what, status, details))
    if first(headers, 'grpc-encoding') != encoding:
        raise CaseFailure('%s: grpc-encoding %r, expected %r' % (
            what, first(headers, 'grpc-encoding'), encoding))
    if got_flags != flags:
        raise CaseFailure('%s: compressed flags %s, expected %s' % (what, got_flags, flags))
    if decoded(headers, received) != payloads:
        raise CaseFailure('%s: the messages differ from the expected ones: %s' % (what, info))


# ---------------------------------------------------------------------------------------------
# Cases


def case_unsupported_encoding(target, peer, gzip_target):
    """A request with `grpc-encoding: snappy` (and a compressed message). compression.md: the
    server answers UNIMPLEMENTED with a `grpc-accept-encoding` header listing what it supports;
    that is what this runtime does. grpcio fails to parse the header: INTERNAL
    "Error parsing 'grpc-encoding' metadata", without grpc-accept-encoding."""
    headers, _, events = exchange(target, 'Unary', [message(b'hello', compressed=True)],
                                  [('grpc-encoding', 'snappy'), ('grpc-accept-encoding', ACCEPT_ALL)])
    if peer == 'grpcio':
        expect_status('snappy', headers, events, 13, "Error parsing 'grpc-encoding' metadata")
        return
    expect_status('snappy', headers, events, 12)
    accept = first(headers, 'grpc-accept-encoding') or ''
    names = {name.strip() for name in accept.split(',')}
    if not {'identity', 'deflate', 'gzip'} <= names:
        raise CaseFailure('grpc-accept-encoding %r does not list identity, deflate, gzip' % accept)


def case_compressed_without_encoding(target, peer, gzip_target):
    """A message with the compressed flag set, once without grpc-encoding and once with
    `grpc-encoding: identity`: INTERNAL "Compression bit set but no encoding configured" (grpcio
    too)."""
    for label, extra in (('no grpc-encoding', []), ('identity', [('grpc-encoding', 'identity')])):
        headers, _, events = exchange(target, 'Unary', [message(b'hello', compressed=True)], extra)
        expect_status(label, headers, events, 13, 'Compression bit set but no encoding configured')


def case_corrupt(target, peer, gzip_target):
    """Compressed messages that do not decompress: bytes that are not gzip, a gzip stream cut
    short, a gzip stream followed by more bytes, and raw deflate (no zlib header) sent as
    `deflate`: each INTERNAL "Decompression failed due to …" (grpcio too)."""
    good = compress(b'hello' * 100, 'gzip')
    variants = [
        ('garbage', 'gzip', b'\x1f\x8b this is not gzip'),
        ('truncated', 'gzip', good[:-6]),
        ('trailing bytes', 'gzip', good + b'xyz'),
        ('raw deflate', 'deflate', zlib.compress(b'hello' * 100)[2:-4]),
    ]
    for label, encoding, payload in variants:
        headers, _, events = exchange(target, 'Unary', [message(payload, compressed=True)],
                                      [('grpc-encoding', encoding)])
        expect_status(label, headers, events, 13, 'Decompression failed due to')


def case_bomb(target, peer, gzip_target):
    """A gzip message of about 10 KiB that inflates to 10 MiB, over the 4 MiB receive limit:
    RESOURCE_EXHAUSTED "Decompressed message larger than max" (grpcio too)."""
    bomb = compress(bytes(BOMB_SOURCE_LENGTH), 'gzip')
    headers, _, events = exchange(target, 'Unary', [message(bomb, compressed=True)],
                                  [('grpc-encoding', 'gzip')])
    note('bomb of %d bytes' % len(bomb))
    expect_status('bomb', headers, events, 8, 'Decompressed message larger than max')


def case_mixed_request(target, peer, gzip_target):
    """`Bidi` with compressed and uncompressed messages on one request stream, for each
    algorithm: the echoes are the original messages."""
    for encoding in ('gzip', 'deflate'):
        originals = [pattern(3000, 1), pattern(2000, 2), pattern(1000, 3), b'']
        sent = [message(compress(originals[0], encoding), compressed=True), message(originals[1]),
                message(compress(originals[2], encoding), compressed=True), message(originals[3])]
        headers, received, events = exchange(target, 'Bidi', sent, [('grpc-encoding', encoding)])
        status, details = status_of(headers)
        note('%s: %d echoes, grpc-status %s' % (encoding, len(received), status))
        if status != '0' or decoded(headers, received) != originals:
            raise CaseFailure('%s: grpc-status %s %r, echoes differ: %s' % (
                encoding, status, details, describe(events)))


def case_response_compression(target, peer, gzip_target):
    """`context.set_compression` (x-compression) and `disable_next_message_compression`
    (x-disable-compression) for a client accepting every algorithm: `grpc-encoding` names the
    algorithm, the disabled messages go uncompressed, the others compressed; a message that
    compression would not shrink goes uncompressed (grpcio too)."""
    for encoding in ('gzip', 'deflate'):
        headers, received, _ = exchange(
            target, 'ServerStream', [message(b'')],
            [('grpc-accept-encoding', ACCEPT_ALL), ('x-compression', encoding), ('x-count', '4'),
             ('x-size', '1000'), ('x-disable-compression', '1,2')])
        expect_response('ServerStream %s' % encoding, headers, received, encoding, [1, 0, 0, 1],
                        [bytes([i]) * 1000 for i in range(4)])
    request = pattern(1000)
    headers, received, _ = exchange(
        target, 'Unary', [message(request)],
        [('grpc-accept-encoding', ACCEPT_ALL), ('x-compression', 'gzip'), ('x-disable-compression', '0')])
    expect_response('Unary, disabled', headers, received, 'gzip', [0], [request])
    headers, received, _ = exchange(target, 'Unary', [message(b'a')],
                                    [('grpc-accept-encoding', ACCEPT_ALL), ('x-compression', 'gzip')])
    expect_response('Unary, 1 byte', headers, received, 'gzip', [0], [b'a'])
    advertised = first(headers, 'grpc-accept-encoding') or ''
    note('grpc-accept-encoding %r' % advertised)
    if {name.strip() for name in advertised.split(',')} != {'identity', 'deflate', 'gzip'}:
        raise CaseFailure('response grpc-accept-encoding %r, expected identity, deflate, gzip'
                          % advertised)


def case_response_not_accepted(target, peer, gzip_target):
    """`x-compression: gzip` for a client whose grpc-accept-encoding is `identity`, and for one
    that sends none: this runtime sends the responses uncompressed (no grpc-encoding); grpcio
    ignores what the client accepts and compresses anyway."""
    request = pattern(1000)
    for label, accept in (('accept identity', [('grpc-accept-encoding', 'identity')]),
                          ('no grpc-accept-encoding', [])):
        headers, received, _ = exchange(target, 'Unary', [message(request)],
                                        accept + [('x-compression', 'gzip')])
        if peer == 'grpcio':
            expect_response(label, headers, received, 'gzip', [1], [request])
        else:
            expect_response(label, headers, received, None, [0], [request])


def case_server_default(target, peer, gzip_target):
    """A server whose default compression is gzip (`--gzip-target`): responses to a client
    accepting gzip are compressed; `x-compression: deflate` switches to deflate. Differences:
    a client accepting only identity gets uncompressed responses here (grpcio: gzip anyway), and
    `set_compression(NoCompression)` (x-compression: identity) turns compression off here (grpcio
    ignores it: `NoCompression` is falsy in grpcio's server)."""
    if gzip_target is None:
        raise CaseFailure('server_default needs --gzip-target')
    request = pattern(1000)
    accept_all = [('grpc-accept-encoding', ACCEPT_ALL)]
    headers, received, _ = exchange(gzip_target, 'Unary', [message(request)], accept_all)
    expect_response('accept all', headers, received, 'gzip', [1], [request])
    headers, received, _ = exchange(gzip_target, 'Unary', [message(request)],
                                    accept_all + [('x-compression', 'deflate')])
    expect_response('x-compression deflate', headers, received, 'deflate', [1], [request])
    headers, received, _ = exchange(gzip_target, 'Unary', [message(request)],
                                    [('grpc-accept-encoding', 'identity')])
    if peer == 'grpcio':
        expect_response('accept identity', headers, received, 'gzip', [1], [request])
    else:
        expect_response('accept identity', headers, received, None, [0], [request])
    headers, received, _ = exchange(gzip_target, 'Unary', [message(request)],
                                    accept_all + [('x-compression', 'identity')])
    if peer == 'grpcio':
        expect_response('x-compression identity', headers, received, 'gzip', [1], [request])
    else:
        expect_response('x-compression identity', headers, received, None, [0], [request])


CASES = {
    'unsupported_encoding': case_unsupported_encoding,
    'compressed_without_encoding': case_compressed_without_encoding,
    'corrupt': case_corrupt,
    'bomb': case_bomb,
    'mixed_request': case_mixed_request,
    'response_compression': case_response_compression,
    'response_not_accepted': case_response_not_accepted,
    'server_default': case_server_default,
}


def run_case(name, args):
    passed = True
    del _notes[:]
    try:
        CASES[name](args.target, args.peer, args.gzip_target)
    except CaseFailure as e:
        print('FAIL %s: %s' % (name, e), file=sys.stderr, flush=True)
        passed = False
    except Exception:  # noqa: BLE001 - a bug in a case must not hide the others
        print('FAIL %s: the case itself crashed:\n%s' % (name, traceback.format_exc()),
              file=sys.stderr, flush=True)
        passed = False
    while _connections:
        _connections.pop().close()
    print('INFO %s: %s' % (name, '; '.join(_notes) or 'nothing recorded (see FAIL)'), flush=True)
    try:
        check_still_serving(args.target)
    except CaseFailure as e:
        print('FAIL %s: %s' % (name, e), file=sys.stderr, flush=True)
        passed = False
    if passed:
        print('PASS %s' % name, flush=True)
    return passed


def call(args):
    compression = COMPRESSION_BY_NAME[args.compression] if args.compression else None
    with grpc.insecure_channel(args.target) as channel:
        try:
            response = channel.unary_unary('/x.Y/Z')(b'a' * args.size, timeout=10,
                                                     compression=compression)
        except grpc.RpcError as error:
            print('ERROR %s %s' % (error.code().name, error.details()), flush=True)
            return 0
    print('OK %s' % response.decode('latin-1'), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description='Message compression on the wire.')
    parser.add_argument('case', nargs='?', help='case name, "all", or "call"')
    parser.add_argument('--target', help='HOST:PORT of the server under test')
    parser.add_argument('--gzip-target', help='HOST:PORT of the same server with gzip by default')
    parser.add_argument('--peer', choices=['swift', 'grpcio'], help='which server it is')
    parser.add_argument('--compression', choices=sorted(COMPRESSION_BY_NAME), help='for call')
    parser.add_argument('--size', type=int, default=1000, help='request size for call')
    parser.add_argument('--list', action='store_true', help='print the case names')
    args = parser.parse_args()
    if args.list:
        print('\n'.join(CASES))
        return 0
    if not args.case or not args.target:
        parser.error('CASE and --target are required (or --list)')
    if args.case == 'call':
        return call(args)
    if args.case != 'all' and args.case not in CASES:
        parser.error('unknown case %r; one of: all, call, %s' % (args.case, ', '.join(CASES)))
    if not args.peer:
        parser.error('--peer is required for the cases')
    names = list(CASES) if args.case == 'all' else [args.case]
    failed = [name for name in names if not run_case(name, args)]
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
