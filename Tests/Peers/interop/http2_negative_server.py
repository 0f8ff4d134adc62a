#!/usr/bin/env python3
"""The server side of gRPC's negative HTTP/2 interop cases
(doc/negative-http2-interop-test-descriptions.md): a raw HTTP/2 server (python `h2`, no gRPC
library) that answers the interop TestService's UnaryCall and misbehaves as each case asks.

Usage: http2_negative_server.py --port=PORT --test_case=CASE      (--list prints the cases)

With --port=0 it listens on a port the OS picks. Once it listens it prints `PORT <n>` (flushed)
and serves plain-text HTTP/2 on 127.0.0.1 until stdin reaches EOF or the process gets SIGTERM.
Every UnaryCall is read whole (a SimpleRequest), and answered with a SimpleResponse whose payload
is `response_size` zero bytes (type COMPRESSABLE), sent within the client's flow-control windows,
except where CASE says otherwise:

    goaway            the response, then GOAWAY(last_stream_id = the call's stream, NO_ERROR); a
                      request that still comes on that connection is dropped unanswered (so a
                      client that does not move to a new connection runs into its deadline)
    rst_after_header  on the request's HEADERS: the response headers, then RST_STREAM(NO_ERROR)
    rst_during_data   the response headers and half of the response message's bytes, then
                      RST_STREAM(NO_ERROR)
    rst_after_data    the response headers and the whole response message, then
                      RST_STREAM(NO_ERROR) instead of the trailers
    ping              PING before and after the response headers and before and after the
                      response data; the trailers go out only once every PING has been
                      acknowledged (a client that never acknowledges runs into its deadline)
    max_streams       SETTINGS_MAX_CONCURRENT_STREAMS 1 with the server's first SETTINGS; a client
                      that opens a second stream at once breaks the connection (h2 raises
                      TooManyStreamsError, the server logs it and closes the socket)

The server logs each protocol error from the client on stderr, with the prefix
`http2_negative_server:`.
"""

import argparse
import os
import signal
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

from interop_common import messages_pb2

CASES = ['goaway', 'max_streams', 'ping', 'rst_after_data', 'rst_after_header', 'rst_during_data']

GRPC_HEADERS = [(':status', '200'), ('content-type', 'application/grpc')]

IO_TIMEOUT = 60.0  # seconds a connection may stay silent before the server drops it


def grpc_message(payload):
    """One uncompressed gRPC length-prefixed message."""
    return b'\x00' + len(payload).to_bytes(4, 'big') + payload


def response_message(request_bytes):
    """The framed SimpleResponse a framed SimpleRequest asks for."""
    request = messages_pb2.SimpleRequest.FromString(request_bytes[5:])
    response = messages_pb2.SimpleResponse(
        payload=messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(request.response_size)))
    return grpc_message(response.SerializeToString())


def log(text):
    print('http2_negative_server: ' + text, file=sys.stderr, flush=True)


class Connection:
    """One client connection, served on its own thread."""

    def __init__(self, sock, case):
        self.sock = sock
        self.case = case
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding='utf-8'))
        self.bodies = {}          # stream id -> request bytes so far
        self.sending = {}         # stream id -> [bytes left to send, what to do once sent]
        self.outstanding_pings = 0
        self.waiting_for_pings = []  # streams whose trailers wait for every PING's ACK
        self.gone_away = False

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def serve(self):
        try:
            self.sock.settimeout(IO_TIMEOUT)
            self.conn.initiate_connection()
            if self.case == 'max_streams':
                self.conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1})
            self.flush()
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return
                if self.gone_away:
                    continue  # a request on a connection after its GOAWAY is not answered
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

    def handle(self, event):
        conn = self.conn
        if isinstance(event, h2.events.RequestReceived):
            self.bodies[event.stream_id] = b''
            if self.case == 'rst_after_header':
                conn.send_headers(event.stream_id, GRPC_HEADERS)
                conn.reset_stream(event.stream_id, error_code=h2.errors.ErrorCodes.NO_ERROR)
                self.bodies.pop(event.stream_id)
        elif isinstance(event, h2.events.DataReceived):
            if event.flow_controlled_length:
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if event.stream_id not in self.bodies:
                return
            self.bodies[event.stream_id] += event.data
            body = self.bodies[event.stream_id]
            if len(body) >= 5 and len(body) >= 5 + int.from_bytes(body[1:5], 'big'):
                self.answer(event.stream_id, self.bodies.pop(event.stream_id))
        elif isinstance(event, h2.events.WindowUpdated):
            for stream_id in list(self.sending):
                self.send_more(stream_id)
        elif isinstance(event, h2.events.PingAckReceived):
            self.outstanding_pings -= 1
            if self.outstanding_pings == 0:
                for stream_id in self.waiting_for_pings:
                    conn.send_headers(stream_id, [('grpc-status', '0')], end_stream=True)
                self.waiting_for_pings = []
        elif isinstance(event, h2.events.StreamReset):
            self.bodies.pop(event.stream_id, None)
            self.sending.pop(event.stream_id, None)

    def ping(self):
        self.outstanding_pings += 1
        self.conn.ping(os.urandom(8))

    def answer(self, stream_id, request):
        message = response_message(request)
        if self.case == 'ping':
            self.ping()
        self.conn.send_headers(stream_id, GRPC_HEADERS)
        if self.case == 'ping':
            self.ping()
            self.ping()
        if self.case == 'rst_during_data':
            self.sending[stream_id] = [message[:len(message) // 2], 'reset']
        elif self.case == 'rst_after_data':
            self.sending[stream_id] = [message, 'reset']
        else:
            self.sending[stream_id] = [message, 'trailers']
        self.send_more(stream_id)

    def send_more(self, stream_id):
        """Sends what the windows allow of the stream's response; once all is sent, its end."""
        conn = self.conn
        data, then = self.sending[stream_id]
        while data:
            size = min(len(data), conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size)
            if size <= 0:
                self.sending[stream_id][0] = data
                return
            conn.send_data(stream_id, data[:size])
            data = data[size:]
        del self.sending[stream_id]
        if then == 'reset':
            conn.reset_stream(stream_id, error_code=h2.errors.ErrorCodes.NO_ERROR)
        elif self.case == 'ping':
            self.ping()
            self.waiting_for_pings.append(stream_id)
        else:
            conn.send_headers(stream_id, [('grpc-status', '0')], end_stream=True)
            if self.case == 'goaway':
                conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR, last_stream_id=stream_id)
                self.flush()
                self.gone_away = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--test_case', choices=CASES)
    parser.add_argument('--list', action='store_true', help='print the test cases and exit')
    args = parser.parse_args()
    if args.list:
        print('\n'.join(CASES))
        return 0
    if args.test_case is None:
        parser.error('--test_case is required')

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', args.port))
    listener.listen(64)

    def accept_loop():
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=Connection(sock, args.test_case).serve, daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print('PORT %d' % listener.getsockname()[1], flush=True)

    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


if __name__ == '__main__':
    sys.exit(main())
