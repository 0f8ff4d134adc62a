#!/usr/bin/env bash
# Builds the DocC documentation of the GRPCSync module (Sources/GRPCSync/Documentation.docc and
# every public declaration's doc comment) into .build/docs/GRPCSync.doccarchive, with the
# toolchain's symbolgraph-extract and docc. Any DocC warning (a broken ``link``, a bad
# disambiguation) fails it. Expects GRPCSync built in debug (`swift build`).
#
# Environment: SWIFT (default: swift).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
swift="${SWIFT:-swift}"
bin="$("$swift" build --show-bin-path)"
out=.build/docs
rm -rf "$out"
mkdir -p "$out/symbol-graphs"

# The C modules GRPCSync imports, found by their module maps.
includes=()
for dir in Sources/C*/ .build/checkouts/*/Sources/*/include; do
    [[ -d "$dir" ]] && includes+=(-I "$dir")
done
triple="$(uname -m)-unknown-linux-gnu"
"$swift" symbolgraph-extract -module-name GRPCSync -I "$bin/Modules" -I "$bin" "${includes[@]}" \
    -target "$triple" -minimum-access-level public -output-dir "$out/symbol-graphs"

docc="$(dirname "$(command -v "$swift")")/docc"
[[ -x "$docc" ]] || docc=docc
"$docc" convert Sources/GRPCSync/Documentation.docc \
    --additional-symbol-graph-dir "$out/symbol-graphs" \
    --fallback-display-name GRPCSync --fallback-bundle-identifier org.swift-grpc-sync.GRPCSync \
    --output-path "$out/GRPCSync.doccarchive" --warnings-as-errors
echo "build-docs: $out/GRPCSync.doccarchive"
