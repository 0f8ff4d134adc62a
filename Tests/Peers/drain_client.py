#!/usr/bin/env python3
"""A gRPC server's graceful stop as seen on the wire: a raw HTTP/2 client that watches the
server drain its connection.

Usage:
    drain_client.py SCENARIO --target HOST:PORT [--expect served|refused] [--sleep-ms N]
                    [--goaway-timeout S] [--close-timeout S]
    drain_client.py --list                     print the scenario names

grpc's servers drain a connection with two GOAWAYs (chttp2's GracefulGoaway): first
GOAWAY(last_stream_id = 2^31-1, NO_ERROR) and a PING; once the client acknowledges that PING,
a second GOAWAY(NO_ERROR) carrying the id of the last stream the server accepted; then the
connection is closed once its streams are done. A stream the client opened before it saw the
first GOAWAY, or while it was in flight, is thus covered by the second one.

Every scenario connects (preface, SETTINGS, acks), makes one `Unary` call on stream 1 (echo of
`hello`, must succeed), optionally starts a long `Unary` call (`x-sleep-ms`, and an `x-echo-`
entry so the handler's initial metadata shows that it runs), prints `READY` on its own line
(flushed) and waits for the server's first GOAWAY. The harness stops the server when it reads
READY (grpcio: `stop 5` on peer_server.py's stdin; Swift: `server.stop(grace: 5)`).

    new_stream_during_drain  on the first GOAWAY: its last_stream_id must be 2^31-1 and a PING
                             must arrive; before acknowledging that PING, a complete `Unary` call
                             (`during drain`) is opened on the next stream id; then the PING ACK;
                             then everything is read until the connection ends. Always required:
                             a second GOAWAY(NO_ERROR) covering the streams processed before the
                             stop, and the end of the connection. With --expect refused (the
                             default, what grpcio does) the new stream must not be served:
                             RST_STREAM(REFUSED_STREAM), a non-OK grpc-status, or a second GOAWAY
                             whose last_stream_id is below it. With --expect served it must be
                             answered with its echo and grpc-status 0, and the second GOAWAY's
                             last_stream_id must be >= its id.
    in_flight_call_finishes  a long call (default 2000 ms) started before READY completes with its
                             echo and grpc-status 0 after the first GOAWAY; PINGs are acknowledged;
                             a second GOAWAY(NO_ERROR) covers the long call; the connection ends,
                             after the long call.
    no_ping_ack              no PING after the first GOAWAY is acknowledged; the server must end
                             the connection all the same (within --close-timeout, default 30 s);
                             whether a second GOAWAY comes, with which last_stream_id and error,
                             and when, is reported.

PINGs that arrive before the first GOAWAY are acknowledged at once, as any client does (grpc sends
BDP probe PINGs about 100 ms after DATA arrives); in new_stream_during_drain and no_ping_ack those
that arrive after it are held back.

What grpcio 1.85 does (peer_server.py, `stop 5`), times from the first GOAWAY:

    +0      GOAWAY(2^31-1, NO_ERROR, debug `Server shutdown`) and PING (8 random bytes), together;
            if a BDP PING of its own is still unacknowledged, the GOAWAY comes alone and the
            PING only once that earlier PING is acknowledged (one PING in flight at a time)
    ack     within about 1 ms of the PING ACK: GOAWAY(last stream id, NO_ERROR, `Server shutdown`),
            even while calls are still running
    new     a stream opened before the PING ACK is covered by that GOAWAY's last_stream_id but not
            served (the core server kills every call that arrives once stop() was called):
            HEADERS (Trailers-Only: :status 200, grpc-status 1, grpc-message `CANCELLED`,
            END_STREAM), then RST_STREAM(NO_ERROR); before or after the second GOAWAY
    end     the connection is closed (FIN) as soon as the last stream ends
    grace   a call still running when the grace time ends: trailers grpc-status 14 `Cancelling
            all calls`, RST_STREAM(NO_ERROR), close (no further GOAWAY)
    no ack  when the grace time (5 s) ends: GOAWAY(last stream id, INTERNAL_ERROR, `Cancelling
            all calls`) and close; with a grace time above 20 s, after 20 s: GOAWAY(last stream
            id, ENHANCE_YOUR_CALM, `ping_timeout`) and close. Calls running meanwhile complete.

Output: `INFO <scenario>: ...` lines on stdout -- the connection setup, then every frame received
(and the frames sent) from READY on with its time relative to the first GOAWAY, then for every
stream its :status, grpc-status, grpc-message, messages and RST_STREAM -- followed by
`PASS <scenario>`, or a `FAIL <scenario>: ...` line on stderr and exit status 1.

Every socket operation is bounded by a timeout (bad_input.py's RawConnection), so a broken server
cannot hang the script.
"""

import argparse
import struct
import sys
import time
import traceback

from bad_input import (ACK, DATA, END_STREAM, GOAWAY, HEADERS, PING, RST_STREAM, SETTINGS,
                       WINDOW_UPDATE, CaseFailure, Event, RawConnection, error_name, first,
                       frame, grpc_code_name, grpc_message, header_block_frames, merged_headers,
                       percent_decode, request_headers, response_messages)

UNARY_PATH = '/grpcsync.testing.TestService/Unary'

MAX_STREAM_ID = (1 << 31) - 1     # the first GOAWAY's last_stream_id in a graceful drain
REFUSED_STREAM = 7

SETUP_TIMEOUT = 5.0       # seconds for the connection setup and the call on stream 1
GOAWAY_TIMEOUT = 15.0     # seconds from READY until the first GOAWAY (the harness stops the server)
PING_TIMEOUT = 3.0        # seconds from the first GOAWAY until its PING
CLOSE_TIMEOUT = 15.0      # seconds from the first GOAWAY until the connection ends
NO_ACK_CLOSE_TIMEOUT = 30.0   # the same for no_ping_ack (grpc's drain PING times out after 20 s)
LONG_CALL_MS = 2000       # default x-sleep-ms of the long call of in_flight_call_finishes

FIRST_MESSAGE = b'hello'
DRAIN_MESSAGE = b'during drain'
LONG_MESSAGE = b'long call'


class DrainConnection(RawConnection):
    """RawConnection that timestamps everything and can hold back its PING acknowledgements."""

    def __init__(self, target):
        self.hold_pings = False   # when set, PINGs are recorded in held_pings, not acknowledged
        self.hold_after_goaway = False  # set hold_pings when a GOAWAY arrives
        self.held_pings = []
        self.log = []             # (monotonic time, text): frames received and sent
        self.logging = False      # log only from READY on
        super().__init__(target)

    def _on_frame(self, ftype, flags, stream_id, payload):
        before = len(self.events)
        if ftype == PING and not flags & ACK and self.hold_pings:
            self.held_pings.append(payload)
            self.events.append(Event(PING, 0, ack=False))
        else:
            super()._on_frame(ftype, flags, stream_id, payload)
        if ftype == GOAWAY and self.hold_after_goaway:
            # Before the next frame is parsed: the drain PING follows in the same read.
            self.hold_pings = True
        now = time.monotonic()
        for e in self.events[before:]:
            e.time = now
            if e.kind == PING:
                e.payload = payload
            if self.logging:
                self.log.append((now, 'received ' + show(e)))
                if e.kind == PING and not e.ack and not self.hold_pings:
                    self.log.append((now, 'sent PING ACK(payload=%s) (at once)' % payload.hex()))

    def _mark_eof(self, how):
        was = self.eof
        super()._mark_eof(how)
        if not was and self.eof:
            now = time.monotonic()
            self.events[-1].time = now
            if self.logging:
                self.log.append((now, show(self.events[-1])))

    def send_logged(self, data, text):
        now = time.monotonic()
        complete = self.send(data)
        if self.logging:
            self.log.append((now, 'sent ' + text + ('' if complete else ' (incomplete)')))
        return complete

    def start_unary(self, stream_id, message, extra=()):
        """HEADERS, then one DATA frame with the message and END_STREAM."""
        block = self.encoder.encode(request_headers(self.authority, UNARY_PATH, extra=extra))
        data = header_block_frames(stream_id, block, end_stream=False)
        data += frame(DATA, END_STREAM, stream_id, grpc_message(message))
        return self.send_logged(data, 'HEADERS+DATA(stream %d, Unary %r, END_STREAM)'
                                % (stream_id, message))

    def ack_held_pings(self):
        held, self.held_pings = self.held_pings, []
        for payload in held:
            self.send_logged(frame(PING, ACK, 0, payload),
                             'PING ACK(payload=%s)' % payload.hex())


def show(e):
    """One received event, with the details this script cares about."""
    if e.kind == PING:
        return 'PING%s(payload=%s)' % (' ACK' if e.ack else '', e.payload.hex())
    if e.kind == SETTINGS:
        return 'SETTINGS%s' % (' ACK' if e.ack else '')
    if e.kind == WINDOW_UPDATE:
        increment = struct.unpack('>I', e.payload[:4])[0] & 0x7FFFFFFF if len(e.payload) >= 4 \
            else -1
        return 'WINDOW_UPDATE(stream %d, +%d)' % (e.stream_id, increment)
    if e.kind == DATA:
        return 'DATA(stream %d, %d bytes%s)' % (e.stream_id, len(e.data),
                                                ', END_STREAM' if e.end_stream else '')
    if e.kind == HEADERS:
        return 'HEADERS(stream %d, %s%s)' % (e.stream_id,
                                             ' '.join('%s=%s' % kv for kv in e.headers),
                                             ', END_STREAM' if e.end_stream else '')
    return str(e)


# ---------------------------------------------------------------------------------------------
# Predicates and summaries


def stream_ended(stream_id):
    def done(events):
        return any(e.stream_id == stream_id and (e.kind == RST_STREAM or
                                                 (e.kind in (HEADERS, DATA) and e.end_stream))
                   for e in events)
    return done


def goaways(events):
    return [e for e in events if e.kind == GOAWAY]


def end_time(events, stream_id):
    for e in events:
        if e.stream_id == stream_id and (e.kind == RST_STREAM or
                                         (e.kind in (HEADERS, DATA) and e.end_stream)):
            return e.time
    return None


def stream_summary(events, stream_id):
    headers = merged_headers(events, stream_id)
    parts = [':status=%s' % first(headers, ':status'),
             'grpc-status=%s' % (grpc_code_name(first(headers, 'grpc-status'))
                                 if first(headers, 'grpc-status') is not None else None)]
    message = first(headers, 'grpc-message')
    parts.append('grpc-message=%r' % (percent_decode(message) if message is not None else None))
    parts.append('messages=%r' % (response_messages(events, stream_id),))
    for e in events:
        if e.kind == RST_STREAM and e.stream_id == stream_id:
            parts.append('RST_STREAM(%s)' % error_name(e.code))
    if not any(e.stream_id == stream_id for e in events
               if e.kind in (HEADERS, DATA, RST_STREAM)):
        parts = ['no answer']
    return ' '.join(parts)


def served(events, stream_id, message):
    """The call on `stream_id` answered `message` and grpc-status 0 (a RST_STREAM(NO_ERROR) after
    the response is allowed, RFC 9113 8.1)."""
    headers = merged_headers(events, stream_id)
    return (first(headers, 'grpc-status') == '0'
            and response_messages(events, stream_id) == [message]
            and not any(e.kind == RST_STREAM and e.stream_id == stream_id and e.code != 0
                        for e in events))


# ---------------------------------------------------------------------------------------------
# The common part: connect, one call, an optional long call, READY, the first GOAWAY.


class Run:
    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.conn = None
        self.long_id = None
        self.next_id = 1
        self.ready_at = None
        self.ready_index = 0      # len(conn.events) when READY was printed
        self.first_goaway = None
        self.problems = []

    def info(self, text):
        print('INFO %s: %s' % (self.name, text), flush=True)

    def expect(self, ok, text):
        if not ok:
            self.problems.append(text)

    def setup(self, long_call_ms):
        conn = self.conn = DrainConnection(self.args.target)
        conn.wait_for(lambda ev: any(e.kind == SETTINGS and not e.ack for e in ev), SETUP_TIMEOUT)
        conn.start_unary(1, FIRST_MESSAGE)
        events = conn.wait_for(stream_ended(1), SETUP_TIMEOUT)
        self.info('stream 1 before the stop: %s' % stream_summary(events, 1))
        if not served(events, 1, FIRST_MESSAGE):
            raise CaseFailure('the call on stream 1 failed: %s' % stream_summary(events, 1))
        self.next_id = 3
        if long_call_ms > 0:
            self.long_id = self.next_id
            self.next_id += 2
            conn.start_unary(self.long_id, LONG_MESSAGE,
                             extra=[('x-sleep-ms', str(long_call_ms)), ('x-echo-started', '1')])
            # The handler sends its initial metadata (the x-echo- entry) before it sleeps.
            conn.wait_for(lambda ev: any(e.kind == HEADERS and e.stream_id == self.long_id
                                         for e in ev), SETUP_TIMEOUT)
            if conn.eof or stream_ended(self.long_id)(conn.events):
                raise CaseFailure('the long call on stream %d ended before READY: %s'
                                  % (self.long_id, stream_summary(conn.events, self.long_id)))
            self.info('stream %d (x-sleep-ms %d) is running: its initial metadata arrived'
                      % (self.long_id, long_call_ms))
        conn.logging = True
        self.ready_index = len(conn.events)
        self.ready_at = time.monotonic()
        conn.log.append((self.ready_at, 'READY printed'))
        print('READY', flush=True)

    def wait_first_goaway(self):
        try:
            events = self.conn.wait_for(lambda ev: bool(goaways(ev)), self.args.goaway_timeout)
        except CaseFailure:
            raise CaseFailure('no GOAWAY within %.0f s of READY' % self.args.goaway_timeout)
        gs = goaways(events)
        if not gs:
            raise CaseFailure('the connection ended without a GOAWAY (%s)' % self.conn.eof)
        g = self.first_goaway = gs[0]
        self.info('first GOAWAY %.3f s after READY' % (g.time - self.ready_at))
        self.expect(g.last_stream == MAX_STREAM_ID and g.code == 0,
                    'first GOAWAY is (last_stream_id %d, %s), expected (%d, NO_ERROR)'
                    % (g.last_stream, error_name(g.code), MAX_STREAM_ID))
        return g

    def wait_drain_ping(self):
        """The first PING (not an ACK) received after the first GOAWAY, or None if none arrives
        within PING_TIMEOUT (recorded as a problem). grpc sends it in the same write as the
        GOAWAY, unless an earlier PING of its own (a BDP probe, sent about 100 ms after DATA
        arrives) is still unacknowledged: then it waits for that acknowledgement."""
        g = self.first_goaway
        goaway_index = self.conn.events.index(g)

        def pings(events):
            return [e for e in events[goaway_index:] if e.kind == PING and not e.ack]
        try:
            self.conn.wait_for(lambda ev: bool(pings(ev)),
                               max(0.0, PING_TIMEOUT - (time.monotonic() - g.time)))
        except CaseFailure:
            pass
        found = pings(self.conn.events)
        if not found:
            self.problems.append('no PING within %.0f s after the first GOAWAY (a PING that '
                                 'comes before the GOAWAY is acknowledged at once)'
                                 % PING_TIMEOUT)
            return None
        p = found[0]
        self.info('PING %.3f s after the first GOAWAY, payload %s' % (p.time - g.time,
                                                                      p.payload.hex()))
        return p

    def read_until_closed(self, timeout):
        start = time.monotonic()
        self.conn.linger(max(0.0, timeout - (start - self.first_goaway.time)))
        return self.conn.events

    def report(self):
        """INFO lines: the frame log, the GOAWAYs, the PINGs, the streams."""
        conn = self.conn
        t0 = self.first_goaway.time if self.first_goaway else self.ready_at
        for when, text in sorted(conn.log, key=lambda entry: entry[0]):
            self.info('%+8.3f s  %s' % (when - t0, text))
        events = conn.events
        for i, g in enumerate(goaways(events)):
            debug = g.debug.decode('utf-8', 'replace')
            self.info('GOAWAY #%d: last_stream_id=%d %s debug=%r at %+.3f s'
                      % (i + 1, g.last_stream, error_name(g.code), debug, g.time - t0))
        for p in (e for e in events if e.kind == PING and e.time >= self.ready_at):
            self.info('PING%s payload=%s at %+.3f s'
                      % (' ACK' if p.ack else '', p.payload.hex(), p.time - t0))
        streams = sorted({e.stream_id for e in events
                          if e.kind in (HEADERS, DATA, RST_STREAM) and e.stream_id})
        for sid in streams:
            self.info('stream %d: %s' % (sid, stream_summary(events, sid)))
        if conn.eof:
            closed = next(e for e in events if e.kind == conn.eof)
            self.info('connection %s at %+.3f s' % (conn.eof, closed.time - t0))
        else:
            self.info('connection still open at the end')


# ---------------------------------------------------------------------------------------------
# Scenarios


def scenario_new_stream_during_drain(run):
    run.setup(run.args.sleep_ms if run.args.sleep_ms is not None else 0)
    conn = run.conn
    conn.hold_after_goaway = True
    run.wait_first_goaway()
    ping = run.wait_drain_ping()
    new_id = run.next_id
    # Opened after the first GOAWAY arrived and before its PING is acknowledged, so before the
    # server can have sent its second GOAWAY.
    if conn.eof:
        raise CaseFailure('the connection ended before the stream could be opened during the '
                          'drain (%s)' % conn.eof)
    conn.start_unary(new_id, DRAIN_MESSAGE)
    conn.hold_after_goaway = conn.hold_pings = False
    conn.ack_held_pings()
    events = run.read_until_closed(run.args.close_timeout or CLOSE_TIMEOUT)
    run.report()
    gs = goaways(events)
    second = gs[1] if len(gs) > 1 else None
    shown = ', '.join('(%d, %s)' % (g.last_stream, error_name(g.code)) for g in gs)
    run.expect(ping is not None, 'no PING after the first GOAWAY')
    run.expect(second is not None and second.code == 0,
               'no second GOAWAY with NO_ERROR after the PING ACK (GOAWAYs: %s)' % shown)
    processed = run.long_id or 1
    run.expect(second is None or second.last_stream >= processed,
               'the second GOAWAY\'s last_stream_id leaves out stream %d, which the server '
               'processed (GOAWAYs: %s)' % (processed, shown))
    summary = stream_summary(events, new_id)
    if run.args.expect == 'served':
        run.expect(served(events, new_id, DRAIN_MESSAGE),
                   'stream %d opened during the drain was not served: %s' % (new_id, summary))
        run.expect(second is None or second.last_stream >= new_id,
                   'the second GOAWAY\'s last_stream_id leaves out stream %d, which was opened '
                   'before the PING ACK (GOAWAYs: %s)' % (new_id, shown))
    else:
        # grpcio 1.85: Trailers-Only grpc-status 1 CANCELLED `CANCELLED` + RST_STREAM(NO_ERROR),
        # while its second GOAWAY's last_stream_id does cover the stream.
        rst = [e for e in events if e.kind == RST_STREAM and e.stream_id == new_id]
        status = first(merged_headers(events, new_id), 'grpc-status')
        run.expect(not served(events, new_id, DRAIN_MESSAGE),
                   'stream %d opened during the drain was served, expected a refusal: %s'
                   % (new_id, summary))
        run.expect(any(e.code == REFUSED_STREAM for e in rst)
                   or (status is not None and status != '0')
                   or (second is not None and second.last_stream < new_id),
                   'stream %d was neither answered with RST_STREAM(REFUSED_STREAM) or a non-OK '
                   'grpc-status, nor left out of the second GOAWAY: %s' % (new_id, summary))
    if run.long_id is not None:
        run.expect(served(events, run.long_id, LONG_MESSAGE),
                   'the long call on stream %d did not complete OK: %s'
                   % (run.long_id, stream_summary(events, run.long_id)))
    run.expect(bool(conn.eof), 'the connection was still open %.0f s after the first GOAWAY'
               % (run.args.close_timeout or CLOSE_TIMEOUT))


def scenario_in_flight_call_finishes(run):
    run.setup(run.args.sleep_ms if run.args.sleep_ms is not None else LONG_CALL_MS)
    if run.long_id is None:
        raise CaseFailure('in_flight_call_finishes needs a long call (--sleep-ms > 0)')
    conn = run.conn
    first_goaway = run.wait_first_goaway()
    run.wait_drain_ping()
    events = run.read_until_closed(run.args.close_timeout or CLOSE_TIMEOUT)
    run.report()
    long_id = run.long_id
    run.expect(served(events, long_id, LONG_MESSAGE),
               'the long call on stream %d did not complete OK: %s'
               % (long_id, stream_summary(events, long_id)))
    ended = end_time(events, long_id)
    run.expect(ended is not None and ended >= first_goaway.time,
               'the long call ended before the first GOAWAY: the drain did not overlap it')
    gs = goaways(events)
    second = gs[1] if len(gs) > 1 else None
    run.expect(second is not None and second.last_stream >= long_id and second.code == 0,
               'no second GOAWAY(NO_ERROR) with last_stream_id >= %d (GOAWAYs: %s)'
               % (long_id, ', '.join('%d %s' % (g.last_stream, error_name(g.code))
                                     for g in gs)))
    run.expect(bool(conn.eof), 'the connection was still open %.0f s after the first GOAWAY'
               % (run.args.close_timeout or CLOSE_TIMEOUT))
    if conn.eof and ended is not None:
        closed = next(e for e in events if e.kind == conn.eof)
        run.expect(closed.time >= ended, 'the connection ended before the long call did')


def scenario_no_ping_ack(run):
    run.setup(run.args.sleep_ms if run.args.sleep_ms is not None else 0)
    conn = run.conn
    conn.hold_after_goaway = True   # and never released
    first_goaway = run.wait_first_goaway()
    run.wait_drain_ping()
    events = run.read_until_closed(run.args.close_timeout or NO_ACK_CLOSE_TIMEOUT)
    run.report()
    gs = goaways(events)
    if len(gs) > 1:
        run.info('second GOAWAY without a PING ACK after %.3f s: last_stream_id=%d %s'
                 % (gs[1].time - first_goaway.time, gs[1].last_stream, error_name(gs[1].code)))
        highest = run.long_id or 1
        run.expect(gs[1].last_stream >= highest,
                   'the second GOAWAY\'s last_stream_id %d leaves out stream %d, which the '
                   'server processed' % (gs[1].last_stream, highest))
    else:
        run.info('no second GOAWAY')
    run.expect(bool(conn.eof), 'the connection was still open %.0f s after the first GOAWAY'
               % (run.args.close_timeout or NO_ACK_CLOSE_TIMEOUT))
    if run.long_id is not None:
        run.info('long call: %s' % stream_summary(events, run.long_id))


SCENARIOS = {
    'new_stream_during_drain': scenario_new_stream_during_drain,
    'in_flight_call_finishes': scenario_in_flight_call_finishes,
    'no_ping_ack': scenario_no_ping_ack,
}


# ---------------------------------------------------------------------------------------------


def run_scenario(name, args):
    run = Run(name, args)
    try:
        SCENARIOS[name](run)
        failure = '; '.join(run.problems)
    except CaseFailure as e:
        failure = '; '.join(run.problems + [str(e)])
        if run.conn is not None and run.ready_at is not None:
            run.report()
    except OSError as e:
        failure = 'socket error %r' % e
    except Exception:  # noqa: BLE001 - report a bug in the scenario like a failure
        failure = 'the scenario itself crashed:\n%s' % traceback.format_exc()
    finally:
        if run.conn is not None:
            run.conn.close()
    if failure:
        print('FAIL %s: %s' % (name, failure), file=sys.stderr, flush=True)
        return False
    print('PASS %s' % name, flush=True)
    return True


def main():
    parser = argparse.ArgumentParser(
        description='Watch a gRPC server drain a connection (graceful stop) over raw HTTP/2.')
    parser.add_argument('scenario', nargs='?', help='scenario name')
    parser.add_argument('--target', help='HOST:PORT of the server under test')
    parser.add_argument('--list', action='store_true', help='print the scenario names')
    parser.add_argument('--expect', choices=('served', 'refused'), default='refused',
                        help='new_stream_during_drain: what must happen to the stream opened '
                             'during the drain (default: refused, as grpcio 1.85 does: it '
                             'answers CANCELLED)')
    parser.add_argument('--sleep-ms', type=int,
                        help='x-sleep-ms of a long call kept open from before READY (0 = none; '
                             'default %d for in_flight_call_finishes, else 0)' % LONG_CALL_MS)
    parser.add_argument('--goaway-timeout', type=float, default=GOAWAY_TIMEOUT,
                        help='seconds from READY until the first GOAWAY must have arrived')
    parser.add_argument('--close-timeout', type=float,
                        help='seconds from the first GOAWAY until the connection must have ended '
                             '(default %.0f, %.0f for no_ping_ack)'
                             % (CLOSE_TIMEOUT, NO_ACK_CLOSE_TIMEOUT))
    args = parser.parse_args()
    if args.list:
        print('\n'.join(SCENARIOS))
        return 0
    if not args.scenario or not args.target:
        parser.error('SCENARIO and --target are required (or --list)')
    if args.scenario not in SCENARIOS:
        parser.error('unknown scenario %r; one of: %s' % (args.scenario, ', '.join(SCENARIOS)))
    return 0 if run_scenario(args.scenario, args) else 1


if __name__ == '__main__':
    sys.exit(main())
