// swift-tools-version:6.1
import PackageDescription

// The libFuzzer targets of swift-grpc-sync (docs/reliability.md, `make fuzz`). Each executable is
// one target: its `LLVMFuzzerTestOneInput` hands libFuzzer's input to a function of FuzzTargets,
// which reaches the runtime's internals with `@testable import`. scripts/fuzz.sh builds them:
// release, `--sanitize=fuzzer --sanitize=address` (libFuzzer's main, ASan) with
// `-Xswiftc -sanitize=fuzzer` (the coverage instrumentation) and `-Xswiftc -enable-testing`.
let package = Package(
    name: "swift-grpc-sync-fuzz",
    dependencies: [
        .package(name: "swift-grpc-sync", path: "..")
    ],
    targets: [
        .target(
            name: "FuzzTargets",
            dependencies: [.product(name: "GRPCSync", package: "swift-grpc-sync")]
        ),
        .executableTarget(name: "fuzz-deframer", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-headers", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-metadata", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-server-connection", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-client-connection", dependencies: ["FuzzTargets"]),
    ]
)
