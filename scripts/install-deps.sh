#!/usr/bin/env bash
# Installs what building and testing swift-grpc-sync needs, and only what is
# missing, so it is a quick no-op on a machine that already has everything:
#
#   * Debian packages: libnghttp2-dev libssl-dev (OpenSSL 3, for TLS) pkg-config protobuf-compiler libprotobuf-dev
#     (protobuf's well-known .proto files, which golden protos import) zlib1g-dev
#     nghttp2-client (h2load, for the benchmark smoke run), procps and gdb (the
#     test watchdog, scripts/run-tests.sh), nginx (the gRPC proxy of
#     NginxRollingRestartTests)
#     (plus python3-venv when `python3 -m venv` cannot work, as on a fresh
#     Debian 12);
#   * a Python venv at <repo>/.venv with grpcio, grpcio-tools, grpcio-status
#     (with googleapis-common-protos, its dependency), grpcio-reflection, grpcio-health-checking
#     and h2, used by the Swift tests as interoperability peers.
#
# With --bench (`make bench` only; the tests and CI do not need it) also what the
# benchmarks compare with: Debian's libgrpc++-dev and protobuf-compiler-grpc (the
# grpc C++ peer) and matplotlib from PyPI for the chart,
# installed into Benchmarks/.build/python (not into the venv the tests use).
#
# Run as root, or as a user with sudo. The Swift toolchain itself is not
# installed here.
#
# Environment:
#   PYTHON   interpreter used to create the venv (default: python3)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repo_root}/.venv"
python="${PYTHON:-python3}"

# nghttp2-client: h2load, which bench-smoke (part of `make test`) drives the server with.
# procps (pgrep, ps) and gdb: scripts/run-tests.sh finds a run's processes and prints a hung test's stacks.
# libprotobuf-dev: google/protobuf/*.proto, which protoc finds in /usr/include.
# nginx: the gRPC proxy NginxRollingRestartTests starts in front of the servers it restarts (the
# package's own service is not used).
apt_packages=(libnghttp2-dev libssl-dev pkg-config protobuf-compiler libprotobuf-dev zlib1g-dev nghttp2-client procps gdb nginx)
pip_packages=(grpcio grpcio-tools grpcio-status grpcio-reflection grpcio-health-checking h2)

bench=false
for arg in "$@"; do
    case "$arg" in
        --bench) bench=true ;;
        *) echo "usage: $0 [--bench]" >&2; exit 2 ;;
    esac
done
if $bench; then
    apt_packages+=(libgrpc++-dev protobuf-compiler-grpc)
fi
bench_python="${repo_root}/Benchmarks/.build/python"

log() { printf 'install-deps: %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root to run: $*  (not root and sudo is not installed)"
        return 1
    fi
}

deb_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# --- Debian packages --------------------------------------------------------

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${apt_packages[@]}"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    # `python3 -m venv` needs ensurepip, which Debian's python3 ships in
    # python3-venv. Only relevant when no usable venv exists yet.
    if ! "${venv}/bin/python" -c '' >/dev/null 2>&1 \
        && ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        command -v "$python" >/dev/null 2>&1 || missing+=(python3)
        missing+=(python3-venv)
    fi
else
    # Not a Debian system: check for the tools themselves and only report.
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    pkg-config --exists libnghttp2 2>/dev/null || missing+=(libnghttp2-dev)
    pkg-config --exists zlib 2>/dev/null || missing+=(zlib1g-dev)
    command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
    command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
    command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
    if ((${#missing[@]})); then
        log "no dpkg here; please install the equivalent of: ${missing[*]}"
        exit 1
    fi
fi

if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Sanity checks that the packages delivered what the build uses.
pkg-config --exists libnghttp2 || { log "pkg-config cannot find libnghttp2"; exit 1; }
pkg-config --exists zlib || { log "pkg-config cannot find zlib"; exit 1; }
command -v protoc >/dev/null 2>&1 || { log "protoc not found on PATH"; exit 1; }

# --- Python venv for the test peers ------------------------------------------

if ! "${venv}/bin/python" -c 'import grpc, grpc_tools, grpc_status, grpc_reflection, grpc_health, h2' >/dev/null 2>&1; then
    if ! "${venv}/bin/python" -c '' >/dev/null 2>&1; then
        # Missing, or broken (e.g. its base interpreter went away): rebuild it.
        log "creating Python venv at ${venv}"
        "$python" -m venv --clear "$venv"
    fi
    log "installing into ${venv}: ${pip_packages[*]}"
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_packages[@]}"
    "${venv}/bin/python" -c 'import grpc, grpc_tools, grpc_status, grpc_reflection, grpc_health, h2'
fi

# --- Benchmarks only: matplotlib for the chart of docs/performance.md -----------

if $bench && ! PYTHONPATH="$bench_python" "${venv}/bin/python" -c 'import matplotlib' >/dev/null 2>&1; then
    log "installing matplotlib into ${bench_python}"
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check --target "$bench_python" matplotlib
fi

if ! command -v swift >/dev/null 2>&1; then
    log "warning: swift is not on PATH (expected a Swift 6 toolchain, e.g. /opt/swift/usr/bin)"
fi
