// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "casebridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "casebridge", targets: ["casebridge"]),
        .library(name: "CasebridgeCore", targets: ["CasebridgeCore"]),
        .library(name: "CasebridgeCrypto", targets: ["CasebridgeCrypto"]),
        .library(name: "CasebridgeStore", targets: ["CasebridgeStore"]),
        .library(name: "CasebridgeNode", targets: ["CasebridgeNode"]),
        .library(name: "CasebridgeTrust", targets: ["CasebridgeTrust"]),
        .library(name: "CasebridgeServer", targets: ["CasebridgeServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CLibpq",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "CasebridgeCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CasebridgeCrypto",
            dependencies: ["CSodium", "CasebridgeCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CasebridgeStore",
            dependencies: [
                "CLibpq",
                "CasebridgeCore",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CasebridgeNode",
            dependencies: [
                "CasebridgeCore",
                "CasebridgeCrypto",
                "CasebridgeStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Federation CA and node certificates (P-256, swift-certificates). No other Casebridge module.
        .target(
            name: "CasebridgeTrust",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The running node: federation API (mutual TLS), local API, sync scheduler and peer client.
        .target(
            name: "CasebridgeServer",
            dependencies: [
                "CasebridgeCore",
                "CasebridgeCrypto",
                "CasebridgeStore",
                "CasebridgeNode",
                "CasebridgeTrust",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "casebridge",
            dependencies: [
                "CasebridgeCore",
                "CasebridgeCrypto",
                "CasebridgeStore",
                "CasebridgeNode",
                "CasebridgeTrust",
                "CasebridgeServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CasebridgeTestSupport",
            dependencies: ["CasebridgeStore", "CasebridgeCrypto", "CasebridgeCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/CasebridgeTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CasebridgeCoreTests",
            dependencies: ["CasebridgeCore", "CasebridgeCrypto"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CasebridgeStoreTests",
            dependencies: ["CasebridgeStore", "CasebridgeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CasebridgeTrustTests",
            dependencies: [
                "CasebridgeTrust",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CasebridgeFederationTests",
            dependencies: [
                "CasebridgeServer", "CasebridgeNode", "CasebridgeTrust", "CasebridgeTestSupport", "CasebridgeCore",
                "CasebridgeCrypto", "CasebridgeStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CasebridgeNodeTests",
            dependencies: ["CasebridgeNode", "CasebridgeTestSupport", "CasebridgeCore", "CasebridgeCrypto", "CasebridgeStore"],
            swiftSettings: swiftSettings
        ),
    ]
)
