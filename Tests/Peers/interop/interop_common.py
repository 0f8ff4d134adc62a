"""What the grpcio interop server and client share: the grpc.testing Python modules, generated at
run time from protos/grpc/testing with grpcio-tools; flag parsing in the forms gRPC's interop
programs take; and message decoding that tells whether a message arrived compressed.
"""

import argparse
import gzip
import hashlib
import os
import re
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

_REPO = Path(__file__).resolve().parents[3]
_PROTO_DIR = _REPO / "protos" / "grpc" / "testing"
_PROTOS = ("empty.proto", "messages.proto", "test.proto")

# The test CA and the server certificate that --use_tls and --use_test_ca use by default
# (Tests/Certificates, made by scripts/make-test-certs.sh). server.pem is valid for
# *.test.google.fr, so gRPC's usual --server_host_override=foo.test.google.fr works with it.
CERTIFICATES = _REPO / "Tests" / "Certificates"
TEST_CA = CERTIFICATES / "ca.pem"
SERVER_CERT = CERTIFICATES / "server.pem"
SERVER_KEY = CERTIFICATES / "server.key"

# Makes grpc core hand compressed messages to the application as they arrived, so a deserializer
# can see whether a message was compressed (grpcio's API has no other way to tell).
KEEP_COMPRESSED_MESSAGES = ("grpc.per_message_decompression", 0)


def _generate_modules():
    """Generates empty_pb2, messages_pb2, test_pb2 and test_pb2_grpc into a temporary directory
    (reused while the protos and grpcio-tools stay the same) and puts it on sys.path.

    The protos import each other as "grpc/testing/X.proto", which would make the Python modules
    `grpc.testing.X_pb2`, inside grpcio's own `grpc` package. Copies whose imports name the files
    directly are compiled instead, giving top-level modules; the proto package (grpc.testing), and
    so every message and service name, stays the same.
    """
    from grpc_tools import protoc

    sources = {name: (_PROTO_DIR / name).read_text(encoding="utf-8") for name in _PROTOS}
    digest = hashlib.sha256(protoc.__file__.encode())
    for name in _PROTOS:
        digest.update(sources[name].encode())
    out = Path(tempfile.gettempdir()) / f"grpc-sync-interop-py-{digest.hexdigest()[:16]}"
    if not (out / "test_pb2_grpc.py").exists():
        staging = Path(tempfile.mkdtemp(prefix=out.name + "-", dir=out.parent))
        for name, text in sources.items():
            text = re.sub(r'import "grpc/testing/([a-z_]+\.proto)";', r'import "\1";', text)
            (staging / name).write_text(text, encoding="utf-8")
        well_known = Path(protoc.__file__).parent / "_proto"
        status = protoc.main([
            "protoc", f"-I{staging}", f"-I{well_known}", f"--python_out={staging}",
            f"--grpc_python_out={staging}", *_PROTOS,
        ])
        if status != 0:
            sys.exit(f"grpc_tools.protoc failed ({status}) on {_PROTO_DIR}")
        try:
            os.rename(staging, out)
        except OSError:  # another process finished first
            shutil.rmtree(staging, ignore_errors=True)
    sys.path.insert(0, str(out))


_generate_modules()

import empty_pb2  # noqa: E402
import messages_pb2  # noqa: E402
import test_pb2_grpc  # noqa: E402

__all__ = ["empty_pb2", "messages_pb2", "test_pb2_grpc"]


def parse_bool(text):
    """A flag value: true or false."""
    if text in ("true", "True", "1"):
        return True
    if text in ("false", "False", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_bool_flag(parser, name, default=False):
    """`--name=true|false`, `--name true|false`, or `--name` alone for true."""
    parser.add_argument(f"--{name}", type=parse_bool, nargs="?", const=True, default=default)


class Received:
    """A message and whether it arrived compressed."""

    def __init__(self, message, compressed):
        self.message = message
        self.compressed = compressed


def _is_zlib(data):
    # gRPC's "deflate" is zlib-wrapped; 0x78 (a 32 KiB window) cannot start a message of ours.
    return len(data) >= 2 and data[0] == 0x78 and ((data[0] << 8) | data[1]) % 31 == 0


def compression_aware(message_class):
    """A deserializer for a channel or server that keeps messages compressed
    (KEEP_COMPRESSED_MESSAGES): it decompresses gzip and deflate messages itself and returns
    `Received(message, compressed)`. A serialized message of ours never starts like gzip (0x1f 0x8b)
    or zlib (0x78): those bytes would be fields 3 and 15 with invalid or unused wire types.
    """

    def deserialize(data):
        if data[:2] == b"\x1f\x8b":
            return Received(message_class.FromString(gzip.decompress(data)), True)
        if _is_zlib(data):
            return Received(message_class.FromString(zlib.decompress(data)), True)
        return Received(message_class.FromString(data), False)

    return deserialize
