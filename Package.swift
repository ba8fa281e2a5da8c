// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Proctor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "proctor", targets: ["proctor"]),
        .executable(name: "proctor-bench", targets: ["proctor-bench"]),
        .library(name: "ProctorEngine", targets: ["ProctorEngine"]),
        .library(name: "ProctorTUI", targets: ["ProctorTUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
        .systemLibrary(
            name: "CXLSXWriter",
            path: "Sources/CXLSXWriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        .target(
            name: "ProctorEngine",
            dependencies: [
                "CXLSXWriter",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "ProctorTUI", dependencies: ["ProctorEngine", "CNCurses"]),
        .executableTarget(
            name: "proctor",
            dependencies: [
                "ProctorEngine", "ProctorTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "proctor-bench", dependencies: ["ProctorEngine", "ProctorTUI"]),
        .testTarget(
            name: "ProctorEngineTests",
            dependencies: ["ProctorEngine", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["testdata"]
        ),
        .testTarget(name: "ProctorTUITests", dependencies: ["ProctorTUI", "ProctorEngine"], exclude: ["testdata"]),
        .testTarget(
            name: "ProctorEndToEndTests",
            dependencies: ["proctor", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
