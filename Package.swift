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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        .executableTarget(
            name: "casebridge",
            dependencies: [
                "CasebridgeCore",
                "CasebridgeCrypto",
                "CasebridgeStore",
                "CasebridgeNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CasebridgeTestSupport",
            dependencies: ["CasebridgeStore", "CasebridgeCrypto", "CasebridgeCore"],
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
            name: "CasebridgeNodeTests",
            dependencies: ["CasebridgeNode", "CasebridgeTestSupport", "CasebridgeCore", "CasebridgeCrypto", "CasebridgeStore"],
            swiftSettings: swiftSettings
        ),
    ]
)
