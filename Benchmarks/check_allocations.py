"""Checks the allocations per operation of the hot-path micro-benchmarks against allocations.json.

    python3 Benchmarks/check_allocations.py [--update]

Runs the HotPaths micro-benchmarks (package-benchmark, `swift package benchmark`) with only the
malloc count measured, and compares each benchmark's allocations per operation with the number
recorded in Benchmarks/allocations.json. An allocation more than recorded fails the check, so a
change that adds an allocation to framing, headers or (de)serialization shows in `make test`;
fewer than recorded passes and asks for the file to be updated. Allocation counts do not depend
on the machine's speed or load: this checks no timing. --update writes the current counts.
"""

import argparse
import json
import os
import subprocess
import sys

BENCHMARKS = os.path.dirname(os.path.abspath(__file__))
RECORD = os.path.join(BENCHMARKS, "allocations.json")
SUFFIX = " - Malloc (total)"


def measure():
    """Allocations per operation of every micro-benchmark, by benchmark name."""
    command = [
        os.environ.get("SWIFT", "swift"), "package", "-Xswiftc", "-enable-testing", "benchmark",
        "--metric", "mallocCountTotal", "--no-progress", "--format", "jsonSmallerIsBetter", "--path", "stdout",
    ]
    result = subprocess.run(command, cwd=BENCHMARKS, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"check_allocations: {' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    # The tool prints notes before the JSON array.
    start = result.stdout.find("[")
    if start < 0:
        sys.exit(f"check_allocations: no JSON in the benchmark output:\n{result.stdout}")
    return {entry["name"].removesuffix(SUFFIX): entry["value"] for entry in json.loads(result.stdout[start:])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the current counts to allocations.json")
    args = parser.parse_args()

    current = measure()
    if args.update:
        with open(RECORD, "w") as file:
            json.dump(dict(sorted(current.items())), file, indent=2)
            file.write("\n")
        print(f"check_allocations: wrote {len(current)} benchmarks to {os.path.relpath(RECORD)}")
        return

    with open(RECORD) as file:
        recorded = json.load(file)
    problems, improvements = [], []
    for name in sorted(recorded.keys() | current.keys()):
        if name not in current:
            problems.append(f"{name}: recorded, but no such benchmark ran")
        elif name not in recorded:
            problems.append(f"{name}: {current[name]} allocations, not recorded (run with --update)")
        elif current[name] > recorded[name]:
            problems.append(f"{name}: {current[name]} allocations per operation, {recorded[name]} recorded")
        elif current[name] < recorded[name]:
            improvements.append(f"{name}: {current[name]} allocations per operation, {recorded[name]} recorded")
    for line in improvements:
        print(f"check_allocations: fewer than recorded, update allocations.json: {line}")
    for line in problems:
        print(f"check_allocations: FAIL {line}")
    print(f"check_allocations: {len(current)} benchmarks, {len(problems)} over their recorded allocations")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
