// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-grpc-sync",
    products: [
        .library(name: "GRPCSync", targets: ["GRPCSync"]),
        .library(name: "GRPCSyncStatus", targets: ["GRPCSyncStatus"]),
        .library(name: "GRPCSyncReflection", targets: ["GRPCSyncReflection"]),
        .library(name: "GRPCSyncTracing", targets: ["GRPCSyncTracing"]),
        .library(name: "GRPCSyncMetrics", targets: ["GRPCSyncMetrics"]),
        .library(name: "GRPCSyncServiceLifecycle", targets: ["GRPCSyncServiceLifecycle"]),
        .library(name: "GRPCSyncHealth", targets: ["GRPCSyncHealth"]),
        .executable(name: "protoc-gen-grpc-sync", targets: ["protoc-gen-grpc-sync"]),
        .plugin(name: "GRPCSyncProtocPlugin", targets: ["GRPCSyncProtocPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "GRPCSync",
            dependencies: [
                "CNGHTTP2",
                "CLinux",
                "CZlib",
                "COpenSSL",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Rich error status (grpcio-status): google.rpc.Status and its error details, generated from
        // protos/google/rpc by `make protos`, and RPCStatus.
        .target(
            name: "GRPCSyncStatus",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Server reflection (grpcio-reflection): grpc.reflection.v1 and v1alpha, generated from
        // protos/grpc/reflection by `make protos`, and enableServerReflection.
        .target(
            name: "GRPCSyncReflection",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Tracing (swift-distributed-tracing): client and server interceptors that start a span per
        // call and carry its context through metadata.
        .target(
            name: "GRPCSyncTracing",
            dependencies: [
                "GRPCSync",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Metrics (swift-metrics): client and server interceptors recording gRPC's OpenTelemetry
        // metrics (gRFC A66).
        .target(
            name: "GRPCSyncMetrics",
            dependencies: [
                "GRPCSync",
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // swift-service-lifecycle: a Server run as a Service, stopped gracefully on SIGTERM.
        .target(
            name: "GRPCSyncServiceLifecycle",
            dependencies: [
                "GRPCSync",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Health checking (grpcio-health-checking): grpc.health.v1, generated from protos/grpc/health
        // by `make protos`, and HealthServicer.
        .target(
            name: "GRPCSyncHealth",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .executableTarget(
            name: "protoc-gen-grpc-sync",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf"),
            ]
        ),
        // Build plugin: protoc with protoc-gen-swift and protoc-gen-grpc-sync over a target's .proto files.
        .plugin(
            name: "GRPCSyncProtocPlugin",
            capability: .buildTool(),
            dependencies: ["protoc-gen-grpc-sync", .product(name: "protoc-gen-swift", package: "swift-protobuf")]
        ),
        .testTarget(
            name: "GRPCSyncTests",
            dependencies: [
                "GRPCSync", "GRPCSyncStatus", "TestProcesses",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Code generated from protos/testing by `make protos`, compiled so the generator's output is checked.
        .target(
            name: "GeneratedGolden",
            dependencies: [
                "GRPCSync", "GeneratedHelloWorld", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // protos/helloworld.proto generated by `make protos`: the module the golden protos import it from
        // (protos/testing/module_mappings.asciipb).
        .target(
            name: "GeneratedHelloWorld",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // The plugins are dependencies so they are built next to the tests, which regenerate protos/ with them.
        .testTarget(
            name: "GeneratorTests",
            dependencies: [
                "GRPCSync", "GeneratedGolden", "GeneratedHelloWorld", "protoc-gen-grpc-sync", "TestProcesses",
                .product(name: "protoc-gen-swift", package: "swift-protobuf"),
            ]
        ),
        // Server reflection against grpcio-reflection (Tests/Peers/reflection_peer.py), over the golden services.
        .testTarget(
            name: "ReflectionTests",
            dependencies: [
                "GRPCSync", "GRPCSyncReflection", "GeneratedGolden", "GeneratedHelloWorld", "TestProcesses",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The tracing interceptors with swift-distributed-tracing's in-memory tracer, against grpcio.
        .testTarget(
            name: "TracingTests",
            dependencies: [
                "GRPCSync", "GRPCSyncTracing", "TestProcesses",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The metrics interceptors with swift-metrics' test kit, against grpcio.
        .testTarget(
            name: "MetricsTests",
            dependencies: [
                "GRPCSync", "GRPCSyncMetrics", "TestProcesses",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        // A Server run by a ServiceGroup, stopped by a graceful shutdown.
        .testTarget(
            name: "ServiceLifecycleTests",
            dependencies: [
                "GRPCSync", "GRPCSyncServiceLifecycle",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Health checking against grpcio-health-checking (Tests/Peers/health_peer.py).
        .testTarget(
            name: "HealthTests",
            dependencies: [
                "GRPCSync", "GRPCSyncHealth", "TestProcesses",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Generated at build time by GRPCSyncProtocPlugin for BuildPluginTests: PluginGreeter from the
        // protos/helloworld.proto its grpc-sync-config.json names, PluginWords from its own .proto files.
        // (Test targets do not use the plugin: SwiftPM would link the generators into the test binary twice.)
        .target(
            name: "PluginGreeter",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Tests/PluginGreeter",
            plugins: ["GRPCSyncProtocPlugin"]
        ),
        .target(
            name: "PluginWords",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Tests/PluginWords",
            plugins: ["GRPCSyncProtocPlugin"]
        ),
        .testTarget(
            name: "BuildPluginTests",
            dependencies: ["GRPCSync", "PluginGreeter", "PluginWords", "TestProcesses"]
        ),
        // A user's package that names its targets as this repository's programs and fixtures are named.
        .testTarget(
            name: "UserPackageTests",
            dependencies: ["TestProcesses"]
        ),
        // What every test target uses to start peers, tools and builds, with bounded waits (the
        // Programs package's tests use it too, through Programs/Tests/TestProcesses, a link to it).
        .target(
            name: "TestProcesses",
            path: "Tests/TestProcesses"
        ),
    ]
)
