"""Profiles swift-grpc-sync's bench-server under unary load with callgrind and prints where the time goes.

    .venv/bin/python Benchmarks/profile.py [--seconds S] [--concurrency N] [--size B]

`make bench-profile` builds the release bench-server and bench-client and runs this. The server runs under
`valgrind --tool=callgrind` while the (native) bench-client keeps N unary calls in flight; then the server is
stopped and the profile summarised: instructions (Ir) by library and the functions with the most
instructions of their own, Swift names demangled. Callgrind counts user-space instructions, the same for
the same binary and load whatever else the machine does; time spent in the kernel (send, recv, epoll) is
not in it. The full profile stays in Benchmarks/.build/profile/ for callgrind_annotate or kcachegrind.
"""

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import time

BENCHMARKS = os.path.dirname(os.path.abspath(__file__))


def demangle(names):
    swift = shutil.which("swift-demangle") or shutil.which("swift")
    if not swift:
        return names
    command = [swift, "--simplified"] if swift.endswith("swift-demangle") else [swift, "demangle", "--simplified"]
    completed = subprocess.run(command, input="\n".join(names), capture_output=True, text=True)
    lines = completed.stdout.splitlines()
    return lines if len(lines) == len(names) else names


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(BENCHMARKS, ".build", "release"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--size", type=int, default=100, help="request and response payload bytes")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", default=os.path.join(BENCHMARKS, ".build", "profile"))
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (Debian package valgrind)")
    os.makedirs(args.out, exist_ok=True)
    profile = os.path.join(args.out, "callgrind.out")

    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + profile, os.path.join(args.bin, "bench-server"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=open(os.path.join(args.out, "valgrind.log"), "w"),
        text=True,
    )
    line = server.stdout.readline()
    match = re.match(r"listening on (\d+)", line)
    if not match:
        server.kill()
        raise SystemExit("the server did not start under valgrind (see %s/valgrind.log)" % args.out)
    client = subprocess.run(
        [
            os.path.join(args.bin, "bench-client"),
            "--target",
            "127.0.0.1:" + match.group(1),
            "--scenario",
            "unary",
            "--concurrency",
            str(args.concurrency),
            "--request-size",
            str(args.size),
            "--response-size",
            str(args.size),
            "--warmup",
            "1",
            "--duration",
            str(args.seconds),
        ],
        capture_output=True,
        text=True,
    )
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=120)
    time.sleep(0.5)
    print("load: %s" % client.stdout.strip(), file=sys.stderr)

    annotate = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", profile], capture_output=True, text=True
    ).stdout
    with open(os.path.join(args.out, "annotate.txt"), "w") as f:
        f.write(annotate)
    total = 0
    functions = []
    for line in annotate.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+PROGRAM TOTALS", line) or re.match(r"\s*([\d,]+)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(?:[^:\s]+:)?(.+?)\s+\[(.+)\]\s*$", line)
        if m:
            functions.append((int(m.group(1).replace(",", "")), m.group(2), os.path.basename(m.group(3))))
    if not total or not functions:
        raise SystemExit("callgrind_annotate output not understood; see %s/annotate.txt" % args.out)

    by_object = collections.Counter()
    for ir, _, obj in functions:
        by_object[obj] += ir
    print("Instructions in the server: %s (unary, %d in flight, %d B, %.0f s)" % ("{:,}".format(total), args.concurrency, args.size, args.seconds))
    print()
    print("| library | share of instructions |")
    print("|---|---|")
    for obj, ir in by_object.most_common(8):
        print("| %s | %.1f %% |" % (obj, 100.0 * ir / total))
    print()
    top = functions[: args.top]
    names = demangle([name for _, name, _ in top])
    print("| function (self) | library | share |")
    print("|---|---|---|")
    for (ir, _, obj), name in zip(top, names):
        name = name.replace("|", "\\|")
        if len(name) > 110:
            name = name[:107] + "…"
        print("| `%s` | %s | %.1f %% |" % (name, obj, 100.0 * ir / total))

    # Inclusive costs of the runtime's own functions (thunks and closures' wrappers left out).
    inclusive = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", profile], capture_output=True, text=True
    ).stdout
    with open(os.path.join(args.out, "annotate-inclusive.txt"), "w") as f:
        f.write(inclusive)
    runtime = []
    for line in inclusive.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(Sources/GRPCSync/[^:]+):(.+?)\s+\[(.+)\]\s*$", line)
        if m:
            runtime.append((int(m.group(1).replace(",", "")), m.group(3), m.group(2)))
    names = demangle([name for _, name, _ in runtime])
    seen = set()
    print()
    print("| swift-grpc-sync function (inclusive) | file | share |")
    print("|---|---|---|")
    shown = 0
    for (ir, _, source), name in zip(runtime, names):
        if name in seen or "startThread" in name or "EventLoop.init" in name:
            continue
        seen.add(name)
        name = name.replace("|", "\\|")
        print("| `%s` | %s | %.1f %% |" % (name[:110], os.path.basename(source), 100.0 * ir / total))
        shown += 1
        if shown == args.top:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
