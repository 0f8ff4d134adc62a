// swift-tools-version:6.1
import PackageDescription

// The example programs (Sources/Examples), gRPC's interop programs (Sources/Interop) and the tests
// that run them, on the root package's products. They are a package of their own so that they do
// not join the package graph of a package that depends on swift-grpc-sync (where a target of the
// same name, `helloworld-server` or `HelloWorldModel`, would conflict). `make demo`, `make interop`
// and `make test` build them here (docs/architecture.md, "Packages").
let package = Package(
    name: "swift-grpc-sync-programs",
    dependencies: [
        .package(name: "swift-grpc-sync", path: ".."),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        .target(
            name: "HelloWorldModel",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/HelloWorld/Model"
        ),
        .executableTarget(
            name: "helloworld-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncReflection", package: "swift-grpc-sync"),
                "HelloWorldModel",
            ],
            path: "Sources/Examples/HelloWorld/Server"
        ),
        .executableTarget(
            name: "helloworld-client",
            dependencies: [.product(name: "GRPCSync", package: "swift-grpc-sync"), "HelloWorldModel"],
            path: "Sources/Examples/HelloWorld/Client"
        ),
        // The helloworld Greeter run by a swift-service-lifecycle ServiceGroup: SIGTERM stops it gracefully.
        .executableTarget(
            name: "service-lifecycle-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncServiceLifecycle", package: "swift-grpc-sync"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                "HelloWorldModel",
            ],
            path: "Sources/Examples/ServiceLifecycle/Server"
        ),
        .target(
            name: "UserServiceModel",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/UserService/Model"
        ),
        .executableTarget(
            name: "user-service-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncReflection", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncMetrics", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncTracing", package: "swift-grpc-sync"),
                .product(name: "Logging", package: "swift-log"),
                "UserServiceModel",
            ],
            path: "Sources/Examples/UserService/Server"
        ),
        .executableTarget(
            name: "user-service-client",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncMetrics", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncTracing", package: "swift-grpc-sync"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                "UserServiceModel",
            ],
            path: "Sources/Examples/UserService/Client"
        ),
        .executableTarget(
            name: "user-service-async-client",
            dependencies: [.product(name: "GRPCSync", package: "swift-grpc-sync"), "UserServiceModel"],
            path: "Sources/Examples/UserService/AsyncClient"
        ),
        .target(
            name: "RouteGuideModel",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/RouteGuide/Model"
        ),
        .executableTarget(
            name: "route-guide-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncReflection", package: "swift-grpc-sync"),
                "RouteGuideModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/RouteGuide/Server"
        ),
        .executableTarget(
            name: "route-guide-client",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"), "RouteGuideModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/RouteGuide/Client"
        ),
        .executableTarget(
            name: "route-guide-async-client",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"), "RouteGuideModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/RouteGuide/AsyncClient"
        ),
        .executableTarget(
            name: "route-guide-async-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncReflection", package: "swift-grpc-sync"),
                "RouteGuideModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/RouteGuide/AsyncServer"
        ),
        .target(
            name: "DispatcherModel",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Dispatcher/Model"
        ),
        .executableTarget(
            name: "dispatcher-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncReflection", package: "swift-grpc-sync"),
                "DispatcherModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Dispatcher/Server"
        ),
        .executableTarget(
            name: "dispatcher-client",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"), "DispatcherModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Dispatcher/Client"
        ),
        .executableTarget(
            name: "errors-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncReflection", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncStatus", package: "swift-grpc-sync"),
                "HelloWorldModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Errors/Server"
        ),
        .executableTarget(
            name: "errors-client",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncStatus", package: "swift-grpc-sync"),
                "HelloWorldModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Examples/Errors/Client"
        ),
        // Three Greeter servers behind one round_robin channel, restarted one by one under load (`make scale-demo`).
        .executableTarget(
            name: "scale-demo",
            dependencies: [.product(name: "GRPCSync", package: "swift-grpc-sync"), "HelloWorldModel"],
            path: "Sources/Examples/ScaleDemo"
        ),
        // The example executables are dependencies so they are built next to the tests, which launch them.
        .testTarget(
            name: "ExamplesTests",
            dependencies: [
                "route-guide-server", "route-guide-client", "route-guide-async-client", "route-guide-async-server",
                "dispatcher-server",
                "dispatcher-client",
                "user-service-server", "user-service-client", "user-service-async-client", "helloworld-server",
                "helloworld-client",
                "errors-server", "errors-client", "service-lifecycle-server", "scale-demo", "TestProcesses",
            ]
        ),
        // gRPC's interop test suite: the grpc.testing protos, the test service and the test cases,
        // and the interop-server and interop-client programs (docs/interop.md).
        .target(
            name: "InteropModel",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Interop/Model"
        ),
        .target(
            name: "InteropTesting",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"), "InteropModel",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Interop/Testing"
        ),
        .executableTarget(
            name: "interop-server",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncHealth", package: "swift-grpc-sync"),
                .product(name: "GRPCSyncReflection", package: "swift-grpc-sync"),
                "InteropTesting",
            ],
            path: "Sources/Interop/Server"
        ),
        .executableTarget(
            name: "interop-client",
            dependencies: [.product(name: "GRPCSync", package: "swift-grpc-sync"), "InteropTesting"],
            path: "Sources/Interop/Client"
        ),
        // Runs the interop matrix (scripts/interop.py); the programs are dependencies so they are built first.
        .testTarget(
            name: "InteropTests",
            dependencies: [
                .product(name: "GRPCSync", package: "swift-grpc-sync"), "InteropModel", "InteropTesting",
                "interop-server", "interop-client", "TestProcesses",
            ]
        ),
        // The root package's Tests/TestProcesses (a link to it): what the tests use to start peers,
        // tools and builds, with bounded waits.
        .target(
            name: "TestProcesses",
            path: "Tests/TestProcesses"
        ),
    ]
)
