#!/usr/bin/env python3
"""Sorts LeakSanitizer's reports by who allocated what leaked, for the triage of a sanitizer test
run (`SANITIZER_LEAKS=1 make test-asan`, or a test binary run with ASAN_OPTIONS=detect_leaks=1).

    scripts/leak_owners.py LOG [LOG ...] [--sites] [--check]

Each leaked block is given to one owner: "XCTest (a test case's properties)" when it was made
while a test case object was initialised or set up (XCTest keeps every test case object, and so
what its properties hold, until the process exits); otherwise the first frame of the stack it was
allocated at that is neither the allocator, the Swift runtime nor the standard library: XCTest,
Foundation (mostly its `Process`, which the tests start peers with), Dispatch, GRPCSync (the
runtime), GRPCSyncTests (test support).

Prints allocations per owner; with --sites, the allocation sites of the blocks the runtime made
(the runtime's first frame and the test's). LeakSanitizer reports as "indirect" every block of a
reference cycle, so whether a block is direct says little here: the owner is what to read.
With --check, exits 1 when the runtime (GRPCSync) made any leaked block, and prints its sites.
"""

import collections
import re
import sys

LEAK = re.compile(r"(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object")
FRAME = re.compile(r"\s+#\d+ ")
SYMBOL = re.compile(r" in (\$s(\d+)\S*)")
# A test case object's initialisation (`XCTestCase.init(name:testClosure:)`, its stored
# properties' initial values) or its `setUp`: what these make, the test case object holds.
TEST_CASE_SETUP = re.compile(r"C4name11testClosure|C5setUp|C14setUpWithError")


def leaks(text):
    """(allocations, frames) of each leak report in `text`."""
    count, frames = None, []
    for line in text.splitlines():
        match = LEAK.match(line)
        if match:
            if count is not None:
                yield count, frames
            count, frames = int(match.group(3)), []
        elif count is not None and FRAME.match(line):
            frames.append(line.strip())
        elif count is not None and not line.strip():
            yield count, frames
            count = None
    if count is not None:
        yield count, frames


def module(frame):
    """The Swift module a mangled frame belongs to, or None (the standard library's `$ss…` too)."""
    match = SYMBOL.search(frame)
    if not match or match.group(1).startswith("$ss"):
        return None
    start = len("$s") + len(match.group(2))
    return match.group(1)[start : start + int(match.group(2))]


def owner(frames):
    """Who made the allocation: the first frame, from the allocation up, that is neither the
    allocator, the Swift runtime nor the standard library."""
    if any(TEST_CASE_SETUP.search(frame) for frame in frames):
        return "XCTest (a test case's properties)"
    for frame in frames:
        if "libXCTest" in frame:
            return "XCTest"
        if "libFoundation" in frame:
            return "Foundation"
        if name := module(frame):
            return name
    return "Swift runtime"


def symbol(frames, matches):
    """The first frame of a module `matches` accepts, shortened."""
    for frame in frames:
        if (name := module(frame)) and matches(name):
            return SYMBOL.search(frame).group(1)[:100]
    return "-"


def main():
    paths = [arg for arg in sys.argv[1:] if arg not in ("--sites", "--check")]
    owners, sites = collections.Counter(), collections.Counter()
    for path in paths:
        with open(path, errors="replace") as log:
            for count, frames in leaks(log.read()):
                who = owner(frames)
                owners[who] += count
                if who == "GRPCSync":
                    runtime = symbol(frames, lambda name: name == "GRPCSync")
                    test = symbol(frames, lambda name: name.endswith("Tests"))
                    sites[(who, runtime, test)] += count
    for who, count in owners.most_common():
        print(f"{count:8,}  {who}")
    if "--sites" in sys.argv or ("--check" in sys.argv and sites):
        print("\nallocations  owner  runtime frame  test frame")
        for (who, runtime, test), count in sites.most_common():
            print(f"{count:8,}  {who}  {runtime}  {test}")
    if "--check" in sys.argv:
        print("leak_owners: the runtime made %s leaked block(s)" % (sum(sites.values()) or "no"))
        sys.exit(1 if sites else 0)


if __name__ == "__main__":
    main()
