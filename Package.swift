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
        .executable(name: "helloworld-server", targets: ["helloworld-server"]),
        .executable(name: "helloworld-client", targets: ["helloworld-client"]),
        .executable(name: "user-service-server", targets: ["user-service-server"]),
        .executable(name: "user-service-client", targets: ["user-service-client"]),
        .executable(name: "route-guide-server", targets: ["route-guide-server"]),
        .executable(name: "route-guide-client", targets: ["route-guide-client"]),
        .executable(name: "dispatcher-server", targets: ["dispatcher-server"]),
        .executable(name: "dispatcher-client", targets: ["dispatcher-client"]),
        .executable(name: "errors-server", targets: ["errors-server"]),
        .executable(name: "errors-client", targets: ["errors-client"]),
        .executable(name: "protoc-gen-grpc-sync", targets: ["protoc-gen-grpc-sync"]),
        .executable(name: "interop-server", targets: ["interop-server"]),
        .executable(name: "interop-client", targets: ["interop-client"]),
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
        .target(
            name: "HelloWorldModel",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Examples/HelloWorld/Model"
        ),
        .executableTarget(
            name: "helloworld-server",
            dependencies: ["GRPCSync", "GRPCSyncHealth", "GRPCSyncReflection", "HelloWorldModel"],
            path: "Sources/Examples/HelloWorld/Server"
        ),
        .executableTarget(
            name: "helloworld-client",
            dependencies: ["GRPCSync", "HelloWorldModel"],
            path: "Sources/Examples/HelloWorld/Client"
        ),
        .target(
            name: "UserServiceModel",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Examples/UserService/Model"
        ),
        .executableTarget(
            name: "user-service-server",
            dependencies: [
                "GRPCSync", "GRPCSyncHealth", "GRPCSyncReflection", "UserServiceModel", "GRPCSyncMetrics",
                "GRPCSyncTracing", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Examples/UserService/Server"
        ),
        .executableTarget(
            name: "user-service-client",
            dependencies: [
                "GRPCSync", "UserServiceModel", "GRPCSyncMetrics", "GRPCSyncTracing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            path: "Sources/Examples/UserService/Client"
        ),
        .target(
            name: "RouteGuideModel",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Examples/RouteGuide/Model"
        ),
        .executableTarget(
            name: "route-guide-server",
            dependencies: [
                "GRPCSync", "GRPCSyncHealth", "GRPCSyncReflection", "RouteGuideModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/RouteGuide/Server"
        ),
        .executableTarget(
            name: "route-guide-client",
            dependencies: ["GRPCSync", "RouteGuideModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Examples/RouteGuide/Client"
        ),
        .target(
            name: "DispatcherModel",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Examples/Dispatcher/Model"
        ),
        .executableTarget(
            name: "dispatcher-server",
            dependencies: [
                "GRPCSync", "GRPCSyncHealth", "GRPCSyncReflection", "DispatcherModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Dispatcher/Server"
        ),
        .executableTarget(
            name: "dispatcher-client",
            dependencies: ["GRPCSync", "DispatcherModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Examples/Dispatcher/Client"
        ),
        .executableTarget(
            name: "errors-server",
            dependencies: [
                "GRPCSync", "GRPCSyncHealth", "GRPCSyncReflection", "GRPCSyncStatus", "HelloWorldModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Errors/Server"
        ),
        .executableTarget(
            name: "errors-client",
            dependencies: [
                "GRPCSync", "GRPCSyncStatus", "HelloWorldModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Errors/Client"
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
                "GRPCSync", "HelloWorldModel", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The plugins are dependencies so they are built next to the tests, which regenerate protos/ with them.
        .testTarget(
            name: "GeneratorTests",
            dependencies: [
                "GRPCSync", "GeneratedGolden", "HelloWorldModel", "protoc-gen-grpc-sync", "TestProcesses",
                .product(name: "protoc-gen-swift", package: "swift-protobuf"),
            ]
        ),
        // Server reflection against grpcio-reflection (Tests/Peers/reflection_peer.py), over the golden services.
        .testTarget(
            name: "ReflectionTests",
            dependencies: [
                "GRPCSync", "GRPCSyncReflection", "GeneratedGolden", "HelloWorldModel", "TestProcesses",
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
                "GRPCSync", "GRPCSyncHealth", "HelloWorldModel", "TestProcesses",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The example executables are dependencies so they are built next to the tests, which launch them.
        .testTarget(
            name: "ExamplesTests",
            dependencies: [
                "route-guide-server", "route-guide-client", "dispatcher-server", "dispatcher-client",
                "user-service-server", "user-service-client", "helloworld-server", "helloworld-client",
                "errors-server", "errors-client", "TestProcesses",
            ]
        ),
        // gRPC's interop test suite: the grpc.testing protos, the test service and the test cases,
        // and the interop-server and interop-client programs (docs/interop.md).
        .target(
            name: "InteropModel",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Interop/Model"
        ),
        .target(
            name: "InteropTesting",
            dependencies: ["GRPCSync", "InteropModel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Interop/Testing"
        ),
        .executableTarget(
            name: "interop-server",
            dependencies: ["GRPCSync", "GRPCSyncHealth", "GRPCSyncReflection", "InteropTesting"],
            path: "Sources/Interop/Server"
        ),
        .executableTarget(
            name: "interop-client",
            dependencies: ["GRPCSync", "InteropTesting"],
            path: "Sources/Interop/Client"
        ),
        // Runs the interop matrix (scripts/interop.py); the programs are dependencies so they are built first.
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "GRPCSync", "InteropModel", "InteropTesting", "interop-server", "interop-client", "TestProcesses",
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
        // What every test target uses to start peers, tools and builds, with bounded waits.
        .target(
            name: "TestProcesses",
            path: "Tests/TestProcesses"
        ),
    ]
)
