"""Compares two builds of swift-grpc-sync's bench-server and bench-client, before and after a change, interleaved.

    .venv/bin/python Benchmarks/compare.py --before-bin DIR --after-bin DIR [--rounds N] [--scenarios a,b]
        [--cpp-bin DIR] [--callgrind] ...

`make bench-compare BEFORE=<commit>` builds the release bench-server and bench-client of that commit (in a git
worktree, Benchmarks/.build/compare-before) and of the working tree, and calls this.

Each round starts a server of each build, then runs every scenario of run.py (the client and the server of the
same build) for both builds back to back: before then after in odd rounds, after then before in even ones, so
that whatever drifts during the session (load, temperature, clock) falls on both builds alike. h2load, when
installed, takes its turn against each build's server the same way. With --cpp-bin, grpc C++ against itself runs
after each pair, as a reference. The table shows each build's median over the rounds, the change from before to
after, the spread (min–max) of each, and a verdict: a change of at most --threshold percent is "within 3 %".

--callgrind then counts the instructions each build's server executes per unary call, under the load of
profile.py (100 B, 16 in flight on one connection): the server runs under callgrind, h2load sends a fixed number
of calls, and callgrind_control zeroes the counts after a warm-up and dumps them after each batch, so startup and
warm-up are not in them. User-space instructions hardly depend on what else the machine does (two servers of
the same build differ by about 1 %, as calls batch differently; time in the kernel is not in them), so they show
changes too small for the timings; `make bench-profile` tells where they go.
"""

import argparse
import dataclasses
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import run

CALLGRIND = run.ClientScenario(
    "callgrind", "server instructions per unary call (callgrind, 16 in flight, 100 B)", {}, "instructions", "Ir"
)
LOWER_IS_BETTER = ("latency", "instructions")


# --- Builds -------------------------------------------------------------------------------------------------


def builds(args):
    """before, after and optionally grpc-cpp, started as run.py starts them."""

    def implementation(which, bin_dir):
        # bin_dir stands for whichever implementation is asked for.
        paths = argparse.Namespace(swift_bin=bin_dir, swift2_bin=None, cpp_bin=bin_dir, workers=args.workers)
        return run.implementations(paths)[which]

    found = {}
    for name, bin_dir in (("before", args.before_bin), ("after", args.after_bin)):
        found[name] = dataclasses.replace(implementation("swift-grpc-sync", bin_dir), name=name, label=name)
    if args.cpp_bin:
        found["grpc-cpp"] = implementation("grpc-cpp", args.cpp_bin)
    return found


def checkout(bin_dir):
    """The commit of the git checkout a bin directory is in, and whether it has uncommitted changes."""
    git = ["git", "-C", bin_dir]
    commit = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    if not commit:
        return "not in a git checkout"
    changed = subprocess.run(git + ["status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    return "checkout at %s%s" % (commit, ", with uncommitted changes" if changed.stdout.strip() else "")


# --- Measuring ------------------------------------------------------------------------------------------------


def collect(args, impls, scenarios, body_path):
    """Every timed measurement, interleaved: a list of dicts with round, build, scenario and result."""
    measurements = []
    for n in range(1, args.rounds + 1):
        order = ["before", "after"] if n % 2 else ["after", "before"]
        order += [name for name in impls if name not in order]
        servers = {}
        try:
            for name in order:
                servers[name] = run.Server(impls[name], args.work_dir)
            for scenario in scenarios:
                for name in order:
                    if not servers[name].alive():
                        servers[name].stop()
                        servers[name] = run.Server(impls[name], args.work_dir)
                        run.log("round %d: restarted the %s server" % (n, name))
                    if scenario.key == "h2load":
                        result = run.run_h2load(servers[name], args, body_path)
                    else:
                        result = run.run_client(impls[name], servers[name], scenario, args)
                    run.log("round %d: %s %s: %s" % (n, name, scenario.key, shown(scenario, result)))
                    measurements.append(dict(round=n, build=name, scenario=scenario.key, result=result))
        finally:
            for server in servers.values():
                server.stop()
    return measurements


def h2load_calls(server, calls, body_path):
    """Exactly `calls` unary calls of 100 B, 16 in flight on one connection (profile.py's load)."""
    command = ["h2load", "-n", str(calls), "-c", "1", "-m", "16", "-t", "1", "-d", body_path]
    command += ["-H", "content-type: application/grpc", "-H", "te: trailers"]
    command += ["http://%s/grpc.testing.BenchmarkService/UnaryCall" % server.target]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return {"error": "h2load timed out"}
    done = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", completed.stdout)
    if not done or int(done.group(1)) != calls:
        return {"error": "h2load: " + (completed.stdout or completed.stderr).strip()[-300:]}
    return {"calls": calls}


def instructions(path):
    """The event count (Ir) of a callgrind dump, once it is written."""
    for _ in range(100):
        if os.path.exists(path):
            with open(path) as f:
                found = re.search(r"^summary: (\d+)", f.read(), re.MULTILINE)
            if found:
                return int(found.group(1))
        time.sleep(0.1)
    return None


def callgrind(impl, args, body_path):
    """Instructions the server of `impl` executes per unary call, for each of --callgrind-batches batches."""
    out = os.path.join(args.work_dir, "callgrind-%s.out" % impl.name)
    for old in glob.glob(out + "*"):
        os.remove(old)
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
    under_valgrind = dataclasses.replace(impl, name="callgrind-" + impl.name, server=valgrind + impl.server)
    server = run.Server(under_valgrind, args.work_dir)
    pid = str(server.process.pid)
    results = []
    try:
        # The warm-up also lets valgrind translate the code the calls run.
        warm = h2load_calls(server, max(args.callgrind_calls // 5, 100), body_path)
        if "error" in warm:
            return [warm]
        for batch in range(1, args.callgrind_batches + 1):
            subprocess.run(["callgrind_control", "--zero", pid], capture_output=True, check=True)
            result = h2load_calls(server, args.callgrind_calls, body_path)
            subprocess.run(["callgrind_control", "--dump", pid], capture_output=True, check=True)
            count = instructions("%s.%d" % (out, batch))
            if count is None:
                result.setdefault("error", "no callgrind dump %s.%d" % (out, batch))
            elif "error" not in result:
                result.update(instructions=count, per_call=count / args.callgrind_calls)
            run.log("callgrind %s batch %d: %s" % (impl.name, batch, shown(CALLGRIND, result)))
            results.append(result)
    finally:
        server.stop()
    return results


# --- Report -------------------------------------------------------------------------------------------------


def value(scenario, result):
    if scenario.key == "callgrind":
        return result.get("per_call")
    if scenario.key == "h2load":
        return None if "error" in result else result.get("rate")
    return run.value_of(scenario, result, "p50")


def unit(scenario):
    return "p50 µs" if scenario.kind == "latency" else scenario.unit


def shown(scenario, result):
    """A measurement for the progress log."""
    text = "%s %s" % (number(value(scenario, result)), unit(scenario))
    return text + ("; ERROR " + result["error"] if "error" in result else "")


def number(v):
    if v is None:
        return "—"
    return "{:,.0f}".format(v) if v >= 100 else "%.1f" % v


def spread(values, rounds):
    if not values:
        return "—"
    text = "%s–%s" % (number(min(values)), number(max(values)))
    return text if len(values) == rounds else "%s (%d of %d)" % (text, len(values), rounds)


def compare(scenario, before, after, threshold):
    """The change from before to after in percent (None without both), and the verdict."""
    if not before or not after:
        return None, "no result"
    change = 100.0 * (statistics.median(after) / statistics.median(before) - 1)
    if abs(change) <= threshold:
        return change, "within %g %%" % threshold
    better = (change < 0) == (scenario.kind in LOWER_IS_BETTER)
    verdict = "faster" if better else "slower"
    if max(before) >= min(after) and max(after) >= min(before):
        verdict += " (ranges overlap)"
    return change, verdict


def report(args, impls, scenarios, measurements, load):
    values = {}  # (scenario key, build) -> values over the rounds
    for m in measurements:
        scenario = next(s for s in scenarios if s.key == m["scenario"])
        v = value(scenario, m["result"])
        if v is not None:
            values.setdefault((m["scenario"], m["build"]), []).append(v)
    cpp = "grpc-cpp" in impls
    lines = []
    add = lines.append
    add(
        "Interleaved comparison: %d rounds, before and after back to back (their order alternating), %.1f s per "
        "measurement after %.1f s of warm-up; %d cores shared by clients and servers, load average %s at the start "
        "and %s at the end." % (args.rounds, args.duration, args.warmup, os.cpu_count(), load[0], load[1])
    )
    add("")
    add("- before: `%s` (%s)" % (args.before_bin, checkout(args.before_bin)))
    add("- after: `%s` (%s)" % (args.after_bin, checkout(args.after_bin)))
    if cpp:
        add("- grpc C++ (reference, against itself): `%s`" % args.cpp_bin)
    add("")
    header = "| scenario | before | after | after/before | before min–max | after min–max | verdict |"
    add(header + (" grpc C++ | after vs C++ |" if cpp else ""))
    add("|---" * (header.count("|") - 1 + (2 if cpp else 0)) + "|")
    changes = []
    for scenario in scenarios:
        before, after = values.get((scenario.key, "before"), []), values.get((scenario.key, "after"), [])
        rounds = args.callgrind_batches if scenario.key == "callgrind" else args.rounds
        change, verdict = compare(scenario, before, after, args.threshold)
        changes.append((scenario, change, verdict))
        cells = [
            "%s, %s" % (scenario.title, unit(scenario)),
            number(run.median_or_none(before)),
            number(run.median_or_none(after)),
            "—" if change is None else "%+.1f %%" % change,
            spread(before, rounds),
            spread(after, rounds),
            verdict,
        ]
        if cpp:
            reference = run.median_or_none(values.get((scenario.key, "grpc-cpp"), []))
            mine = run.median_or_none(after)
            cells += [number(reference), run.fmt_ratio(run.speedup(scenario.kind, mine, reference))]
        add("| " + " | ".join(cells) + " |")
    add("")
    add(
        "Medians over the rounds; latency and instructions: lower is better, everything else higher. after/before is "
        "the change of the median; \"within %g %%\" means it is at most %g %% either way, \"ranges overlap\" that the "
        "two builds' min–max ranges do, so the change may be noise (more rounds tell)."
        % (args.threshold, args.threshold)
        + (" after vs C++: how many times better after is than grpc C++ (run.py's ×)." if cpp else "")
    )
    errors = [m for m in measurements if "error" in m["result"]]
    if errors:
        add("")
        add("Errors:")
        add("")
        for m in errors[:20]:
            error = m["result"]["error"].replace("|", "\\|")
            add("- round %s, %s %s: %s" % (m["round"], m["build"], m["scenario"], error))
    return "\n".join(lines), summary_line(args, changes)


def summary_line(args, changes):
    """One line of plain text: which scenarios got faster or slower, and how many did not change."""
    parts = []
    for verdict in ("faster", "slower"):
        found = ["%s %+.1f %%%s" % (s.key, c, v[len(verdict) :]) for s, c, v in changes if v.startswith(verdict)]
        if found:
            parts.append("%d %s (%s)" % (len(found), verdict, ", ".join(found)))
    within = sum(1 for _, _, v in changes if v.startswith("within"))
    parts.append("%d within %g %%" % (within, args.threshold))
    missing = [s.key for s, _, v in changes if v == "no result"]
    if missing:
        parts.append("%d without a result (%s)" % (len(missing), ", ".join(missing)))
    return "after vs before, %d rounds: %s." % (args.rounds, "; ".join(parts))


# --- Main -----------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before-bin", required=True, help="directory with the bench-server and bench-client before")
    parser.add_argument("--after-bin", required=True, help="directory with the bench-server and bench-client after")
    parser.add_argument("--cpp-bin", help="directory with grpc C++'s bench-server and bench-client, as a reference")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each runs every scenario once per build")
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds before each measurement")
    parser.add_argument("--duration", type=float, default=1.0, help="seconds each measurement lasts")
    parser.add_argument(
        "--scenarios",
        help="comma-separated subset of: %s, h2load (default: all; h2load when installed)"
        % ", ".join(s.key for s in run.CLIENT_SCENARIOS),
    )
    parser.add_argument("--threshold", type=float, default=3.0, help="percent a change may have and be \"within\"")
    parser.add_argument("--workers", type=int, default=10, help="worker threads of swift-grpc-sync's servers")
    parser.add_argument("--callgrind", action="store_true", help="also count the servers' instructions per unary call")
    parser.add_argument("--callgrind-calls", type=int, default=5000, help="unary calls per callgrind batch")
    parser.add_argument("--callgrind-batches", type=int, default=3)
    parser.add_argument("--work-dir", default=os.path.join(run.BENCHMARKS, ".build", "compare"))
    # run.run_h2load's load, as in run.py.
    parser.set_defaults(h2load_connections=4, h2load_streams=32)
    args = parser.parse_args()

    h2load = run.ClientScenario(
        "h2load",
        "h2load → server, unary, %d connections × %d streams, 100 B" % (args.h2load_connections, args.h2load_streams),
        {},
        "rate",
        "req/s",
    )
    known = {s.key: s for s in run.CLIENT_SCENARIOS + [h2load]}
    if args.scenarios:
        keys = [k.strip() for k in args.scenarios.split(",") if k.strip()]
        unknown = [k for k in keys if k not in known]
        if unknown:
            parser.error("unknown scenarios: %s (known: %s)" % (", ".join(unknown), ", ".join(known)))
        if "h2load" in keys and not shutil.which("h2load"):
            parser.error("h2load is not installed (Debian package nghttp2-client)")
    else:
        keys = [k for k in known if k != "h2load" or shutil.which("h2load")]
    scenarios = [s for s in known.values() if s.key in keys]
    if args.callgrind:
        for tool in ("valgrind", "callgrind_control", "h2load"):
            if not shutil.which(tool):
                parser.error("--callgrind needs %s (Debian packages valgrind and nghttp2-client)" % tool)
    impls = builds(args)
    for impl in impls.values():
        for program in (impl.server[0], impl.client[0]):
            if not os.path.exists(program):
                parser.error("%s is missing" % program)

    os.makedirs(args.work_dir, exist_ok=True)
    body_path = os.path.join(args.work_dir, "h2load-body.bin")
    with open(body_path, "wb") as f:
        f.write(run.h2load_body())
    load_start = "%.1f" % os.getloadavg()[0]
    try:
        measurements = collect(args, impls, scenarios, body_path)
        if args.callgrind:
            for name in ("before", "after"):
                for batch, result in enumerate(callgrind(impls[name], args, body_path), 1):
                    measurements.append(dict(round=batch, build=name, scenario=CALLGRIND.key, result=result))
            scenarios.append(CALLGRIND)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        run.log("compare: %s" % error)
        return 1
    load = (load_start, "%.1f" % os.getloadavg()[0])
    with open(os.path.join(args.work_dir, "measurements.json"), "w") as f:
        json.dump(dict(args=vars(args), load=load, measurements=measurements), f, indent=1)

    table, summary = report(args, impls, scenarios, measurements, load)
    with open(os.path.join(args.work_dir, "compare.md"), "w") as f:
        f.write(table + "\n\n" + summary + "\n")
    print(table)
    print()
    print(summary)
    run.log("wrote %s" % os.path.join(args.work_dir, "compare.md"))
    return 1 if "without a result" in summary else 0


if __name__ == "__main__":
    sys.exit(main())
