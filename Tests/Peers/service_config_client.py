#!/usr/bin/env python3
"""grpcio's side of ServiceConfigCallTests.swift: each case of service_config_cases.json run by a
grpcio client whose channel has the case's `grpc.service_config`, one line per case.

Usage: service_config_client.py --target HOST:PORT [--dead-target HOST:PORT]

A case (service_config_cases.json) has:
    name            the case's name, first on its line
    config          the service config, as the option's JSON text
    options         more channel options, [[key, value], ...]
    sleep_ms        metadata x-sleep-ms for peer_server.py's Unary (it answers after that long)
    response_size   metadata x-response-size (Unary answers that many bytes)
    request_size    the request's size in bytes (default 0)
    timeout         the call's timeout in seconds (default 10)
    wait_for_ready  the call's wait_for_ready (default: not given)
    dead_target     call --dead-target (nothing listens there) instead of --target
    details_contains  print only whether the details contain this text
    details_prefix    print only whether the details start with this text ({target}: the target)

Each line: `NAME CODE DETAILS`, where DETAILS is the details as they are, or `contains` /
`has-prefix` when the case asks only that (else `unexpected: <details>`).
"""

import argparse
import json
import os

import grpc

METHOD_PREFIX = "/grpcsync.testing.TestService/"
CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "service_config_cases.json")


def shown_details(case, details, target):
    if "details_contains" in case:
        return "contains" if case["details_contains"] in details else "unexpected: " + details
    if "details_prefix" in case:
        prefix = case["details_prefix"].replace("{target}", target)
        return "has-prefix" if details.startswith(prefix) else "unexpected: " + details
    return details


def run(case, args):
    target = args.dead_target if case.get("dead_target") else args.target
    options = [("grpc.service_config", case["config"])] + [tuple(o) for o in case.get("options", [])]
    metadata = []
    if "sleep_ms" in case:
        metadata.append(("x-sleep-ms", str(case["sleep_ms"])))
    if "response_size" in case:
        metadata.append(("x-response-size", str(case["response_size"])))
    with grpc.insecure_channel(target, options=options) as channel:
        call = channel.unary_unary(METHOD_PREFIX + case.get("method", "Unary"))
        try:
            call(
                b"x" * case.get("request_size", 0),
                timeout=case.get("timeout", 10),
                metadata=metadata,
                wait_for_ready=case.get("wait_for_ready"),
            )
            code, details = "OK", ""
        except grpc.RpcError as error:
            code, details = error.code().name, error.details() or ""
    return "%s %s %s" % (case["name"], code, shown_details(case, details, target))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--dead-target", default="127.0.0.1:1")
    args = parser.parse_args()
    with open(CASES) as f:
        cases = json.load(f)
    for case in cases:
        print(run(case, args), flush=True)


if __name__ == "__main__":
    main()
