import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import XCTest

/// Seeded random mutations of valid inputs: each one must give a value or a typed error, never a
/// trap, a hang or a runaway allocation (a trap ends the test process, which fails the suite).
final class FuzzTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// Mutated `.npy` headers; `DNECK_FUZZ_NPY` sets the count (default 10,000) for a long campaign.
    func testMutatedNPYHeadersGiveValuesOrTypedErrors() throws {
        let iterations = ProcessInfo.processInfo.environment["DNECK_FUZZ_NPY"].flatMap(Int.init) ?? 10_000
        let valid = FuzzTests.npy(descr: "<i8", shape: "(4,)", values: [0, 1, 2, 1])
        var generator = SplitMix64(seed: 13)
        var outcomes = (values: 0, errors: 0)
        for _ in 0..<iterations {
            let input = FuzzTests.mutate(valid, &generator)
            do {
                _ = try NPYReader.integers(in: input, file: "fuzz.npy")
                outcomes.values += 1
            } catch let error as DneckError {
                XCTAssertFalse("\(error)".contains("\n"))
                outcomes.errors += 1
            }
        }
        XCTAssertEqual(outcomes.values + outcomes.errors, iterations)
        XCTAssertGreaterThan(outcomes.values, iterations / 50, "mutations too destructive to reach the reader's body")
        XCTAssertGreaterThan(outcomes.errors, iterations / 2)
        print("npy fuzz: \(iterations) inputs, \(outcomes.values) values, \(outcomes.errors) typed errors")
    }

    /// Mutated JSON styles and matplotlib style sheets (1,000 of each): a style or a typed
    /// error of one line, never a trap.
    func testMutatedStyleFilesGiveStylesOrTypedErrors() throws {
        let json = Array(##"{"font_size": 12, "label_size": 14, "grid": false, "color_cycle": ["#1f77b4", "#ff7f0e"], "figure_size": [6, 4], "tick_direction": "in", "colormap": "viridis", "extends": "base.json"}"##.utf8)
        let sheet = Array("""
            figure.figsize : 3, 2   # inches
            font.size : 12
            axes.labelsize : large
            axes.prop_cycle : cycler('color', ['1f77b4', "#ff7f0e"])
            grid.color : "#b0b0b0"
            text.usetex : True
            """.utf8)
        try Data("{}".utf8).write(to: folder.appendingPathComponent("base.json"))
        var generator = SplitMix64(seed: 34)
        var outcomes = (styles: 0, errors: 0)
        for (name, valid) in [("fuzz.json", json), ("fuzz.mplstyle", sheet)] {
            let url = folder.appendingPathComponent(name)
            for _ in 0..<1_000 {
                try Data(FuzzTests.mutate(valid, &generator)).write(to: url)
                do {
                    _ = try Style.load([url.path])
                    outcomes.styles += 1
                } catch let error as DneckError {
                    XCTAssertFalse("\(error)".contains("\n"), "\(error)")
                    outcomes.errors += 1
                }
            }
        }
        XCTAssertGreaterThan(outcomes.styles, 20, "mutations too destructive to reach the style keys")
        XCTAssertGreaterThan(outcomes.errors, 500)
        print("style fuzz: 2000 files, \(outcomes.styles) styles, \(outcomes.errors) typed errors")
    }

    /// Mutated bytes of a small valid run file, read in full: layout, labels, every layer of
    /// every epoch and the scalars. Its string attributes are fixed-length: libhdf5 1.10.8 itself
    /// reads out of bounds (SIGSEGV in H5HG_read) on a corrupt global heap, which holds the
    /// variable-length strings, and nothing outside libhdf5 can check that heap first.
    /// `DNECK_FUZZ_RUNS` sets the count (default 1,000).
    func testMutatedRunFilesGiveValuesOrTypedErrors() throws {
        try fuzzRunFiles(seed: 21) { $0.writeDneck($1) }
    }

    /// The same for format_version 2 (growing datasets read one epoch's rows at a time).
    func testMutatedVersion2RunFilesGiveValuesOrTypedErrors() throws {
        try fuzzRunFiles(seed: 55) { $0.writeV2($1) }
    }

    /// The address space this process has mapped now (`/proc/self/statm`'s first field).
    static func mappedBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        return (statm.split(separator: " ").first.flatMap { Int($0) } ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Mutates the bytes of a small valid run that `write` writes and reads each mutant in full.
    private func fuzzRunFiles(seed: UInt64, _ write: (SyntheticRun, String) -> Void) throws {
        let iterations = ProcessInfo.processInfo.environment["DNECK_FUZZ_RUNS"].flatMap(Int.init) ?? 1_000
        let valid = folder.appendingPathComponent("valid.h5").path
        var run = SyntheticRun(labels: [0, 1, 0, 1, 1, 0],
                               epochs: [(0, [(0..<12).map { Double($0) / 12 }, (0..<6).map { Double($0) }]),
                                        (3, [(0..<12).map { Double($0) / 7 }, (0..<6).map { -Double($0) }])],
                               units: [2, 1])
        run.fixedLengthStrings = true
        write(run, valid)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: valid)))
        // As the command line does: libhdf5's own allocations from corrupt metadata then fail.
        // The cap is 1 GiB above what this test process already has mapped (thread stacks and
        // malloc arenas of the tests before grow it), so that only such allocations meet it.
        let savedCap = ReadLimits.addressSpaceCap
        ReadLimits.capAddressSpace(FuzzTests.mappedBytes() + (1 << 30))
        defer { ReadLimits.capAddressSpace(Int(clamping: savedCap)) }
        var generator = SplitMix64(seed: seed)
        var outcomes = (values: 0, errors: 0)
        let path = folder.appendingPathComponent("mutated.h5").path
        for _ in 0..<iterations {
            var input = bytes
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                // Mostly metadata: the first kilobytes hold the superblock, headers and B-trees.
                let i = Int.random(in: 0..<min(input.count, 4096), using: &generator)
                input[i] = FuzzTests.interesting(&generator)
            }
            FileManager.default.createFile(atPath: path, contents: Data(input))
            do {
                let reader = try RunReader(path: path)
                for epoch in reader.epochs {
                    for layer in 0..<reader.layerCount { _ = try reader.activations(epoch: epoch, layer: layer) }
                    _ = try reader.record(epoch: epoch)
                }
                outcomes.values += 1
            } catch let error as DneckError {
                XCTAssertFalse("\(error)".contains("\n"))
                outcomes.errors += 1
            }
        }
        XCTAssertGreaterThan(outcomes.values, 10)
        XCTAssertGreaterThan(outcomes.errors, 10)
        print("run-file fuzz: \(iterations) inputs, \(outcomes.values) read in full, \(outcomes.errors) typed errors")
    }

    /// A `.npy` file of `values` under the header `descr` / `shape`, padded as numpy pads it.
    static func npy(descr: String, shape: String, values: [Int64]) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        bytes += Array(header.utf8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// Tokens that reach the header parser's edge cases.
    private static let tokens = ["2305843009213693952", "9223372036854775807", "-1", "0", "99999999999999999999", "<i8", ">u4",
                                 "|u1", "<f8", "<i3", "=i2", "(", ")", ",", "(,)", "()", "'", "\"", ":", "}", "{", "True",
                                 "\n", "\u{0}", "\u{FF}", "é", "shape", "descr", "fortran_order"]

    /// `bytes` with one to four mutations: byte flips, interesting bytes, a token written over
    /// the header, a cut, a repeat, or a changed header length.
    static func mutate(_ bytes: [UInt8], _ g: inout SplitMix64) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...4, using: &g) where !out.isEmpty {
            let i = Int.random(in: 0..<out.count, using: &g)
            switch Int.random(in: 0..<7, using: &g) {
            case 0: out[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &g))
            case 1: out[i] = interesting(&g)
            case 2, 3:
                let token = Array(tokens.randomElement(using: &g)!.utf8)
                let at = min(out.count, Int.random(in: 10..<74, using: &g))
                out.replaceSubrange(at..<min(out.count, at + Int.random(in: 0...token.count, using: &g)), with: token)
            case 4: out = Array(out.prefix(i))
            case 5: out.insert(contentsOf: out[i..<min(out.count, i + 16)], at: i)
            default:
                if out.count > 9 { out[8] = interesting(&g); out[9] = interesting(&g) }
            }
        }
        return out
    }

    /// A byte at the edge of some range.
    static func interesting(_ g: inout SplitMix64) -> UInt8 {
        [0, 1, 0x7F, 0x80, 0xFF, 0xFE, 0x40, 0x20, UInt8.random(in: 0...255, using: &g)].randomElement(using: &g)!
    }
}
