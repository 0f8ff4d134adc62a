"""grpcio call-credential scenarios (SPEC.md, "Call credentials").

Usage: call_credentials_client.py --target HOST:PORT --insecure-target HOST:PORT

Runs every scenario against the TestService at --target, a server with local credentials
(LOCAL_TCP), and the `insecure_channel` scenario against --insecure-target, a server without
credentials; prints one observation line per scenario, for comparison with the same scenarios
written with swift-grpc-sync (CallCredentialScenarios.swift).
"""

import argparse
import threading
import time

import grpc

from peer_common import method_path

TIMEOUT_S = 10.0


class Plugin(grpc.AuthMetadataPlugin):
    """A metadata plugin that answers as `mode` says."""

    def __init__(self, mode):
        self.mode = mode

    def __call__(self, context, callback):
        if self.mode == "metadata":
            callback((("x-plugin", "p"), ("x-plugin-bin", b"\x00\x01")), None)
        elif self.mode == "context":
            callback((("x-service-url", context.service_url), ("x-method-name", context.method_name)), None)
        elif self.mode == "raise":
            raise ValueError("x")
        elif self.mode == "error":
            callback(None, ValueError("x"))
        elif self.mode == "later":
            threading.Thread(
                target=lambda: (time.sleep(0.1), callback((("x-later", "l"),), None)), daemon=True
            ).start()
        elif self.mode == "illegal":
            callback((("Bad Key", "v"),), None)
        elif self.mode == "never":
            pass


def _plugin(mode):
    return grpc.metadata_call_credentials(Plugin(mode))


def _observe(name, target, run):
    """One line: the call's code, then its details or its response."""
    try:
        response = run()
        text = " ".join(bytes(response).decode().split("\n")).strip()
        line = f"{name}: code=OK response={text}"
    except grpc.RpcError as error:
        line = f"{name}: code={error.code().name} details={error.details()}"
    return line.replace(target, "TARGET")


def run(target, insecure_target):
    local = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    with_token = grpc.composite_channel_credentials(local, grpc.access_token_call_credentials("t"))
    lines = []

    def unary(credentials, channel_credentials=local, timeout=TIMEOUT_S, metadata=None):
        def call():
            with grpc.secure_channel(target, channel_credentials) as channel:
                return channel.unary_unary(method_path("Metadata"))(
                    b"", timeout=timeout, metadata=metadata, credentials=credentials
                )

        return call

    def observe(name, call):
        lines.append(_observe(name, target, call))

    observe("access_token", unary(None, with_token))
    observe("plugin_metadata", unary(_plugin("metadata")))
    composite = grpc.composite_call_credentials(grpc.access_token_call_credentials("a"), _plugin("metadata"))
    observe("composite", unary(composite))
    observe("channel_and_call", unary(_plugin("metadata"), with_token, metadata=(("x-user", "u"),)))
    observe("context", unary(_plugin("context")))
    observe("plugin_raises", unary(_plugin("raise")))
    observe("plugin_error", unary(_plugin("error")))
    observe("plugin_later", unary(_plugin("later")))
    observe("plugin_never", unary(_plugin("never"), timeout=0.5))
    observe("illegal_metadata", unary(_plugin("illegal")))

    def server_stream():
        with grpc.secure_channel(target, with_token) as channel:
            responses = channel.unary_stream(method_path("ServerStream"))(b"", timeout=TIMEOUT_S)
            return f"messages={len(list(responses))}".encode()

    observe("server_stream", server_stream)

    def stream_stream_error():
        with grpc.secure_channel(target, local) as channel:
            call = channel.stream_stream(method_path("Bidi"))
            return b"".join(call(iter([b"a"]), timeout=TIMEOUT_S, credentials=_plugin("error")))

    observe("stream_stream_plugin_error", stream_stream_error)

    def future_plugin_raises():
        with grpc.secure_channel(target, local) as channel:
            future = channel.unary_unary(method_path("Metadata")).future(
                b"", timeout=TIMEOUT_S, credentials=_plugin("raise")
            )
            return future.result()

    observe("future_plugin_raises", future_plugin_raises)

    def insecure():
        with grpc.insecure_channel(insecure_target) as channel:
            return channel.unary_unary(method_path("Metadata"))(
                b"", timeout=TIMEOUT_S, credentials=grpc.access_token_call_credentials("t")
            )

    lines.append(_observe("insecure_channel", insecure_target, insecure))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--insecure-target", required=True)
    args = parser.parse_args()
    for line in run(args.target, args.insecure_target):
        print(line, flush=True)


if __name__ == "__main__":
    main()
