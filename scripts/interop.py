#!/usr/bin/env python3
"""Runs gRPC's interop test cases in every combination of the Swift and grpcio interop programs
and prints the matrix; with --update-docs, also rewrites the matrix in docs/interop.md.

Usage: scripts/interop.py [--bin DIR] [--columns NAME,...] [--cases NAME,...] [--soak-iterations N]
                          [--jobs N] [--update-docs]

Without --bin, builds interop-server and interop-client with `swift build --package-path Programs`
first. Servers listen on ports the OS picks; the columns ending in "-tls" run over TLS with the certificates of
Tests/Certificates. Every (case, column) cell runs the column's client once against the column's
server; a cell passes when the client exits 0. Run it with the Python of .venv (grpcio,
grpcio-tools): `make interop`. Exits 1 when a cell fails or a server dies.
"""

import argparse
import concurrent.futures
import os
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEERS = REPO / "Tests" / "Peers" / "interop"
DOC = REPO / "docs" / "interop.md"
BEGIN_MARK = "<!-- interop-matrix:begin (written by scripts/interop.py --update-docs) -->"
END_MARK = "<!-- interop-matrix:end -->"

CASES = [
    "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary", "client_streaming",
    "client_compressed_streaming", "server_streaming", "server_compressed_streaming", "ping_pong",
    "empty_stream", "custom_metadata", "status_code_and_message", "special_status_message",
    "unimplemented_method", "unimplemented_service", "cancel_after_begin", "cancel_after_first_response",
    "timeout_on_sleeping_server", "concurrent_large_unary", "rpc_soak", "channel_soak",
]

# (name, heading, client, server); a server name ending in "-tls" is that program with --use_tls,
# and its clients connect with TLS (the test CA of Tests/Certificates, host foo.test.google.fr).
COLUMNS = [
    ("swift-swift", "Swift client → Swift server", "swift", "swift"),
    ("swift-grpcio", "Swift client → grpcio server", "swift", "grpcio"),
    ("grpcio-swift", "grpcio client → Swift server", "grpcio", "swift"),
    ("swift-swift-tls", "Swift → Swift, TLS", "swift", "swift-tls"),
    ("swift-grpcio-tls", "Swift → grpcio, TLS", "swift", "grpcio-tls"),
    ("grpcio-swift-tls", "grpcio → Swift, TLS", "grpcio", "swift-tls"),
]
# What a client adds to connect to a TLS server, as gRPC's interop clients take it.
TLS_CLIENT_FLAGS = ["--use_tls=true", "--use_test_ca=true", "--server_host_override=foo.test.google.fr"]

# Footnotes of cells where a program does the closest thing its API allows (docs/interop.md).
NOTES = {
    ("server_compressed_unary", "swift-swift"): "swift-flag",
    ("server_compressed_unary", "swift-grpcio"): "swift-flag",
    ("server_compressed_streaming", "swift-swift"): "swift-flag",
    ("server_compressed_streaming", "swift-grpcio"): "swift-flag",
    ("client_compressed_streaming", "grpcio-swift"): "grpcio-per-message",
}
NOTE_TEXT = {
    "swift-flag": "The Swift client API does not show whether a response arrived compressed, so "
                  "the Swift client checks that both responses arrive intact; the flags themselves "
                  "are checked by the grpcio client against the Swift server.",
    "grpcio-per-message": "grpcio compresses every message of a call or none, so the grpcio "
                          "client sends the second message (expect_compressed=false) compressed "
                          "too; the server accepts that, as the spec allows.",
}

CELL_TIMEOUT_S = 180
SERVER_START_TIMEOUT_S = 60


class Server:
    """An interop server process on a free port, its output collected in the background."""

    def __init__(self, kind, command):
        self.kind = kind
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], SERVER_START_TIMEOUT_S)
        first = self.process.stdout.readline() if ready else ""
        match = re.search(r"listening on port (\d+)", first)
        if not match:
            self.process.kill()
            raise SystemExit(f"{command[0]} did not report its port: {first!r}")
        self.port = int(match.group(1))
        self.output = []
        threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True).start()

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def build(swift):
    for product in ("interop-server", "interop-client"):
        subprocess.run([swift, "build", "--package-path", "Programs", "--product", product], cwd=REPO, check=True)
    return Path(subprocess.run([swift, "build", "--package-path", "Programs", "--show-bin-path"], cwd=REPO, check=True,
                               capture_output=True, text=True).stdout.strip())


def client_command(kind, bin_dir, python, port, case, soak_iterations, tls):
    # Both flag forms, --flag=value and --flag value, as gRPC's interop programs take them.
    common = ["--server_host=localhost", "--server_port", str(port), f"--test_case={case}"]
    if tls:
        common += TLS_CLIENT_FLAGS
    if case in ("rpc_soak", "channel_soak"):
        # Generous limits: the matrix runs on loaded machines, and what it checks is that every
        # iteration succeeds, not how fast (an iteration takes milliseconds when nothing else runs).
        common += [f"--soak_iterations={soak_iterations}", "--soak_max_failures=0",
                   "--soak_per_iteration_max_acceptable_latency_ms=30000",
                   f"--soak_overall_timeout_seconds={CELL_TIMEOUT_S - 30}"]
    if kind == "swift":
        return [str(bin_dir / "interop-client"), *common]
    return [python, str(PEERS / "interop_client.py"), *common]


def run_cell(command):
    start = time.monotonic()
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=CELL_TIMEOUT_S)
        passed, output = done.returncode == 0, (done.stdout + done.stderr).strip()
    except subprocess.TimeoutExpired:
        passed, output = False, f"timed out after {CELL_TIMEOUT_S} s"
    return passed, output, time.monotonic() - start


def verdict(case, passed):
    return "pass" if passed else "FAIL"


CELL_TEXT = {
    "pass": "pass",
    "FAIL": "**FAIL**",
}


def matrix_markdown(results, columns):
    notes_used = []
    lines = ["| test case | " + " | ".join(c[1] for c in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for case in CASES:
        if not any((case, c[0]) in results for c in columns):
            continue
        cells = []
        for name, *_ in columns:
            if (case, name) not in results:
                cells.append("–")
                continue
            text = CELL_TEXT[results[(case, name)][0]]
            note = NOTES.get((case, name))
            if note:
                if note not in notes_used:
                    notes_used.append(note)
                text += f" [{notes_used.index(note) + 1}]"
            cells.append(text)
        lines.append(f"| `{case}` | " + " | ".join(cells) + " |")
    lines.append("")
    for i, note in enumerate(notes_used):
        lines.append(f"[{i + 1}] {NOTE_TEXT[note]}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def update_docs(markdown):
    text = DOC.read_text(encoding="utf-8")
    begin, end = text.find(BEGIN_MARK), text.find(END_MARK)
    if begin < 0 or end < begin:
        raise SystemExit(f"{DOC} has no interop matrix markers")
    DOC.write_text(text[:begin + len(BEGIN_MARK)] + "\n\n" + markdown + "\n" + text[end:], encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", type=Path, help="directory with interop-server and interop-client")
    parser.add_argument("--swift", default=os.environ.get("SWIFT", "swift"))
    parser.add_argument("--python", default=sys.executable, help="Python with grpcio and grpcio-tools")
    parser.add_argument("--columns", default=",".join(c[0] for c in COLUMNS))
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--soak-iterations", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2, help="cells run at once")
    parser.add_argument("--update-docs", action="store_true", help="rewrite the matrix in docs/interop.md")
    args = parser.parse_args()

    columns = [c for c in COLUMNS if c[0] in args.columns.split(",")]
    cases = [c for c in CASES if c in args.cases.split(",")]
    if not columns or not cases:
        raise SystemExit("no columns or no cases selected")
    if args.update_docs and (len(columns) != len(COLUMNS) or len(cases) != len(CASES)):
        raise SystemExit("--update-docs needs every column and every case")
    bin_dir = args.bin or build(args.swift)

    commands = {
        "swift": [str(bin_dir / "interop-server"), "--port", "0"],
        "grpcio": [args.python, str(PEERS / "interop_server.py"), "--port", "0"],
    }
    commands["swift-tls"] = commands["swift"] + ["--use_tls=true"]
    commands["grpcio-tls"] = commands["grpcio"] + ["--use_tls=true"]
    servers = {}
    started = time.monotonic()
    try:
        for kind in sorted({c[3] for c in columns}):
            servers[kind] = Server(kind, commands[kind])
        cells = [(case, column) for case in cases for column in columns]
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {
                (case, name): pool.submit(run_cell, client_command(
                    client, bin_dir, args.python, servers[server].port, case, args.soak_iterations,
                    server.endswith("-tls")))
                for case, (name, _, client, server) in cells
            }
            results = {}
            for (case, name), future in futures.items():
                passed, output, seconds = future.result()
                results[(case, name)] = (verdict(case, passed), output, seconds)
                print(f"{results[(case, name)][0]:>13}  {name:<13} {case:<28} {seconds:6.1f} s", flush=True)
        dead = [kind for kind, server in servers.items() if not server.alive()]
    finally:
        for server in servers.values():
            server.stop()

    print()
    print(matrix_markdown(results, columns))
    failures = [(key, value) for key, value in results.items() if value[0] == "FAIL"]
    for (case, name), (_, output, _) in failures:
        print(f"--- {name} {case}:\n{output}\n")
    for kind in dead:
        print(f"the {kind} server died during the run:\n{''.join(servers[kind].output)}")
    if args.update_docs:
        update_docs(matrix_markdown(results, columns))
        print(f"updated {DOC.relative_to(REPO)}")
    print(f"{len(results)} cells in {time.monotonic() - started:.0f} s: "
          f"{sum(v[0] == 'pass' for v in results.values())} pass, {len(failures)} FAIL")
    sys.exit(1 if failures or dead else 0)


if __name__ == "__main__":
    main()
