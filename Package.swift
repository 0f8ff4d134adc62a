// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-grpc-sync",
    products: [
        .library(name: "GRPCSync", targets: ["GRPCSync"]),
        .executable(name: "helloworld-server", targets: ["helloworld-server"]),
        .executable(name: "helloworld-client", targets: ["helloworld-client"]),
        .executable(name: "protoc-gen-grpc-sync", targets: ["protoc-gen-grpc-sync"]),
        .plugin(name: "GRPCSyncProtocPlugin", targets: ["GRPCSyncProtocPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0")
    ],
    targets: [
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(
            name: "GRPCSync",
            dependencies: [
                "CNGHTTP2",
                "CLinux",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "HelloWorldModel",
            dependencies: ["GRPCSync", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Examples/HelloWorld/Model"
        ),
        .executableTarget(
            name: "helloworld-server",
            dependencies: ["GRPCSync", "HelloWorldModel"],
            path: "Sources/Examples/HelloWorld/Server"
        ),
        .executableTarget(
            name: "helloworld-client",
            dependencies: ["GRPCSync", "HelloWorldModel"],
            path: "Sources/Examples/HelloWorld/Client"
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
            dependencies: ["GRPCSync"]
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
                "GRPCSync", "GeneratedGolden", "HelloWorldModel", "protoc-gen-grpc-sync",
                .product(name: "protoc-gen-swift", package: "swift-protobuf"),
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
            dependencies: ["GRPCSync", "PluginGreeter", "PluginWords"]
        ),
    ]
)
