"""Definitions shared by peer_server.py and peer_client.py (see SPEC.md)."""

import grpc

SERVICE = "grpcsync.testing.TestService"

# grpc.StatusCode members keyed by their numeric value (0 = OK ... 16 = UNAUTHENTICATED).
STATUS_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def method_path(method):
    """The full path of a TestService method, e.g. `/grpcsync.testing.TestService/Unary`."""
    return f"/{SERVICE}/{method}"

# grpc.Compression members keyed by their grpc-encoding names.
COMPRESSION_BY_NAME = {
    "identity": grpc.Compression.NoCompression,
    "deflate": grpc.Compression.Deflate,
    "gzip": grpc.Compression.Gzip,
}
