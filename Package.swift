// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "SpendSense",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spendsense-server", targets: ["ServerApp"]),
        .executable(name: "spendsense", targets: ["Console"]),
        .executable(name: "spendsense-engine-bench", targets: ["EngineBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // MARK: - shared

        .target(name: "Models", swiftSettings: swiftSettings),
        .target(name: "Engine", dependencies: ["Models"], swiftSettings: swiftSettings),
        // Request-body formats the server reads (multipart forms, header parameters, JSON duplicate keys):
        // Foundation only, so the fuzz targets build it quickly.
        .target(name: "BodyParsing", swiftSettings: swiftSettings),
        // What each fuzz target does with one input; the regression tests replay committed inputs through it.
        .target(name: "FuzzHarness", dependencies: ["Engine", "BodyParsing"], swiftSettings: swiftSettings),
        .executableTarget(name: "EngineBench", dependencies: ["Engine", "Models"], swiftSettings: swiftSettings),

        // MARK: - server

        .target(
            name: "Storage",
            dependencies: [
                "Engine", "Models",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Storage", "Engine", "Models", "BodyParsing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ServerApp",
            dependencies: [
                "Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - client

        .target(
            name: "APIClient",
            dependencies: [
                "Models",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .target(name: "TerminalUI", dependencies: ["CNcurses"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "Console",
            dependencies: [
                "APIClient", "TerminalUI", "Models",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - tests

        .target(
            name: "TestSupport",
            dependencies: [
                "Storage",
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ModelsTests", dependencies: ["Models"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EngineTests", dependencies: ["Engine", "Models", "FuzzHarness"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "Models", "TestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "APIClient", "Storage", "Models", "TestSupport", "BodyParsing",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: ["Console", "TerminalUI", "APIClient", "Models", "Engine"],
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings
        ),
    ]
)

// libFuzzer targets, only when asked for (`make fuzz` sets SPENDSENSE_FUZZ=1 and builds them with
// `-sanitize=fuzzer,address` in .build-fuzz): they have no `main` of their own, libFuzzer's is linked in.
if Context.environment["SPENDSENSE_FUZZ"] != nil {
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("FuzzJSON", ["FuzzHarness", "FuzzSupport"]), ("FuzzCSV", ["FuzzHarness", "FuzzSupport"]),
        ("FuzzValidator", ["FuzzHarness", "FuzzSupport"]), ("FuzzMultipart", ["FuzzHarness", "FuzzSupport"]),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Targets/FuzzSupport", swiftSettings: swiftSettings))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: name, dependencies: dependencies, path: "Fuzz/Targets/\(name)",
                swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
