// swift-tools-version:6.0
import PackageDescription

/// libhdf5 from Debian's static archive (`libhdf5-dev` ships it beside the shared library):
/// the shared one loads libcurl and its TLS and Kerberos chain (for an S3 driver dneck-plot
/// never uses), about 5 ms of every command's start; the archive links only the parts that are
/// called. Whatever links DneckIO (the tools, the tests) gets one copy.
let staticHDF5: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "-Bstatic", "-Xlinker", "-lhdf5_serial", "-Xlinker", "-Bdynamic"]),
    .linkedLibrary("sz"), .linkedLibrary("z"), .linkedLibrary("dl"), .linkedLibrary("m"),
]

/// The Swift runtime and Foundation linked into the command itself: with them as shared
/// libraries the loader binds their symbols at every start, about 6 ms of each command (a
/// chart command takes 0.08–0.3 s). The binary grows from 17 to 88 MB.
let staticSwiftRuntime: [LinkerSetting] = [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))]
    // What static Foundation needs beside itself (SwiftPM's --static-swift-stdlib adds these).
    + ["CoreFoundation", "_FoundationICU", "_FoundationCShims", "_FoundationCollections", "swiftSynchronization"]
    .map { .linkedLibrary($0, .when(platforms: [.linux])) }

/// dneck-plot: information-bottleneck artifacts from training runs.
///
/// One data path: run file (DneckIO) → measures (DneckMeasures) → figure model (DneckFigure,
/// DneckPlotters) → renderer (DneckCairo) / encoder (DneckMovie); DneckPipeline runs it for the
/// commands (`all`, gathering runs). Only the C* targets and the targets named after a C
/// library import C.
let package = Package(
    name: "dneck-plot",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dneck-plot", targets: ["dneck-plot"]),
        .executable(name: "dneck-bench", targets: ["dneck-bench"]),
        .library(name: "Dneck", targets: ["DneckCore", "DneckIO", "DneckMeasures", "DneckFigure",
                                          "DneckPlotters", "DneckCairo", "DneckMovie", "DneckReport",
                                          "DneckPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Debian's libhdf5 (serial), linked statically by DneckIO (see `staticHDF5` above).
        .systemLibrary(name: "CHDF5", providers: [.apt(["libhdf5-dev"])]),
        // What only the tests need from libhdf5 (writing files), kept out of the product.
        .systemLibrary(name: "CHDF5Writing", path: "Tests/CHDF5Writing"),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),
        // Headers only: the libraries are loaded with dlopen when a movie is made (see shim.h),
        // so no pkg-config link flags here.
        .systemLibrary(name: "CFFmpeg", providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev",
                                                           "libswscale-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // Headers only (Debian's cblas.h is on the default include path): OpenBLAS is loaded with
        // dlopen when an estimator first calls it (see shim.h), so no pkg-config link flags here.
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),

        .target(name: "DneckCore", dependencies: ["CMalloc"]),
        .target(name: "DneckIO", dependencies: ["DneckCore", "CHDF5"], linkerSettings: staticHDF5),
        .target(name: "DneckMeasures", dependencies: ["DneckCore", "DneckIO", "COpenBLAS"]),
        .target(name: "DneckFigure", dependencies: ["DneckCore"]),
        .target(name: "DneckPlotters", dependencies: ["DneckCore", "DneckIO", "DneckMeasures", "DneckFigure"]),
        .target(name: "DneckCairo", dependencies: ["DneckCore", "DneckFigure", "CCairo", "CZlib"]),
        .target(name: "DneckMovie", dependencies: ["DneckCore", "DneckFigure", "DneckCairo", "CFFmpeg"]),
        .target(name: "DneckReport", dependencies: ["DneckCore", "DneckFigure", "DneckPlotters", "CCrypto"]),
        .target(name: "DneckPipeline", dependencies: ["DneckCore", "DneckIO", "DneckMeasures", "DneckFigure", "DneckPlotters",
                                                     "DneckCairo", "DneckMovie", "DneckReport"]),
        .executableTarget(name: "dneck-plot", dependencies: [
            "DneckCore", "DneckIO", "DneckMeasures", "DneckFigure", "DneckPlotters", "DneckCairo", "DneckMovie", "DneckReport",
            "DneckPipeline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: staticSwiftRuntime),
        .executableTarget(name: "dneck-bench", dependencies: [
            "DneckCore", "DneckIO", "DneckMeasures", "DneckFigure", "DneckPlotters", "DneckCairo", "DneckMovie",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "DneckTests", dependencies: [
            "DneckCore", "DneckIO", "DneckMeasures", "DneckFigure", "DneckPlotters", "DneckCairo", "DneckMovie", "DneckReport",
            "DneckPipeline",
            "CHDF5", "CHDF5Writing", "CCairo", "CFFmpeg", "CZlib",
        ]),
    ],
    swiftLanguageModes: [.v5]
)
