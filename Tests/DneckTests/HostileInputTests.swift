import CHDF5
import DneckCore
import DneckIO
import XCTest

/// Malformed runs written through libhdf5, each given to the built `dneck-plot` in a child
/// process with a time and memory limit: no signal, no timeout, a non-zero exit with one
/// line on stderr naming the file and what is wrong, nothing left in the output folder.
final class HostileInputTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// Every subcommand, with its output argument pointing into `out`.
    private static func commands(out: URL) -> [[String]] {
        ["measures", "infoplane", "movie", "activations", "single-neuron", "snr", "accuracy", "activity", "compare", "mi-epochs"].map { name in
            let ext = name == "measures" ? "csv" : name == "movie" ? "mp4" : "png"
            return [name, "-o", out.appendingPathComponent("\(name).\(ext)").path]
        } + [["charts", "-d", out.path]]
    }

    /// One malformed input: the file to give, the message fragment expected, and the commands
    /// that must fail on it (the others read nothing that is wrong and must only end cleanly).
    private struct Case {
        let name: String
        let file: String
        let fragment: String
        var failing: Set<String>? = nil
        var extra: [String] = []
        /// Run through every subcommand; otherwise through `measures`, `movie` and `charts`
        /// (the refusal comes from opening the run, which every command does the same way).
        var everyCommand = false
    }

    /// The labels and format attributes of a valid run (of format `version`); `body` writes the rest.
    private func run(_ name: String, format: Bool = true, version: Int64 = 1, _ body: (H5Writer) -> Void) -> String {
        let path = folder.appendingPathComponent(name).path
        let w = H5Writer(path: path)
        if format {
            w.stringAttribute("format", "dneck-run")
            w.intAttribute("format_version", version)
        }
        w.dataset("train/labels", shape: [6], doubles: [0, 1, 0, 1, 1, 0], storage: .int64)
        body(w)
        w.close()
        return path
    }

    private func layer(_ w: H5Writer, epoch: Int, _ index: Int, units: Int = 2, value: (Int) -> Double = { Double($0 % 5) * 0.1 }) {
        w.dataset("train/\(epoch)/activations/\(index)", shape: [6, units], doubles: (0..<6 * units).map(value))
        guard index == 0 else { return }
        w.dataset("train/\(epoch)/accuracy/training", shape: [], doubles: [0.5], storage: .float64)
        w.dataset("train/\(epoch)/accuracy/test", shape: [], doubles: [0.5], storage: .float64)
    }

    /// A version 2 split `split` (6 samples): `epochs` committed, each layer of `units` a chunked
    /// [rows, 6, units] dataset (rows: one per epoch unless given), accuracy and loss per epoch.
    private func growing(_ w: H5Writer, split: String = "train", epochs: [Double], rows: Int? = nil, units: [Int] = [2],
                         value: (Int) -> Double = { Double($0 % 5) * 0.1 }) {
        let rows = rows ?? epochs.count
        w.dataset("\(split)/epochs", shape: [epochs.count], doubles: epochs, storage: .int64, chunked: true)
        for (i, u) in units.enumerated() {
            w.dataset("\(split)/activations/\(i)", shape: [rows, 6, u], doubles: (0..<rows * 6 * u).map(value), chunked: true)
        }
        for name in ["accuracy", "loss"] {
            w.dataset("\(split)/\(name)", shape: [rows], doubles: Array(repeating: 0.5, count: rows), storage: .float64, chunked: true)
        }
    }

    /// Malformed version 2 runs (docs/run-format-v2.md).
    private func growingCases(_ add: (String, String, Set<String>?, Bool, [String], (H5Writer) -> Void) -> Void) {
        add("v2_epochs_beyond_rows", "train/activations/0: has 2 rows but train/epochs commits 3 epochs", nil, true, []) {
            self.growing($0, epochs: [0, 1, 2], rows: 2)
        }
        add("v2_epochs_not_increasing", "train/epochs: epoch 1 at index 2 follows epoch 2 (epochs must increase)", nil, true, []) {
            self.growing($0, epochs: [0, 2, 1])
        }
        add("v2_epochs_float", "test/epochs: epochs must be 1-D integers, found floating-point values of shape [2]", nil, false, []) {
            self.growing($0, epochs: [0, 1])
            $0.dataset("test/epochs", shape: [2], doubles: [0, 1], storage: .float64)
        }
        add("v2_no_epochs", "train/epochs: missing committed epochs: the run has logged none of the train split yet", nil, true, []) {
            $0.group("train/activations")
        }
        add("v2_wrong_rank", "train/activations/0: activations must be 3-D (epochs × samples × units), found shape [2, 12]", nil, true, []) {
            $0.dataset("train/epochs", shape: [2], doubles: [0, 1], storage: .int64, chunked: true)
            $0.dataset("train/activations/0", shape: [2, 12], doubles: Array(repeating: 0.5, count: 24), chunked: true)
        }
        add("v2_samples", "train/activations/0: has 5 samples per epoch but there are 6 labels", nil, false, []) {
            $0.dataset("train/epochs", shape: [1], doubles: [0], storage: .int64, chunked: true)
            $0.dataset("train/activations/0", shape: [1, 5, 2], doubles: Array(repeating: 0.5, count: 10), chunked: true)
        }
        add("v2_layer_gap", "train/activations/1: missing activations dataset (layers are numbered 0, 1, …)", nil, false, []) {
            self.growing($0, epochs: [0, 1])
            $0.dataset("train/activations/2", shape: [2, 6, 2], doubles: Array(repeating: 0.5, count: 24), chunked: true)
        }
        add("v2_other_split_layers", "test/activations: has layers of [3] units but train/activations has [2] (both splits log the same layers)",
            nil, false, []) {
            self.growing($0, epochs: [0, 1])
            self.growing($0, split: "test", epochs: [0], units: [3])
        }
        // Chunks declared and never written: each epoch's rows are refused, naming the epoch.
        add("v2_truncated", "train/activations/0[0] (epoch 0): rows 0..<1 are declared but their chunk at [0, 0, 0] is not stored", nil, false, []) {
            $0.dataset("train/epochs", shape: [3], doubles: [0, 1, 2], storage: .int64, chunked: true)
            $0.declaredDataset("train/activations/0", shape: [3, 6, 2], chunk: [1, 6, 2])
        }
        add("v2_over_read_limit", "train/activations/0: declared shape [1, 6, 268435456] needs 6.4 GB, over the limit of 105 MB per read",
            nil, false, ["--max-memory", "100M"]) {
            $0.dataset("train/epochs", shape: [1], doubles: [0], storage: .int64, chunked: true)
            $0.declaredDataset("train/activations/0", shape: [1, 6, 1 << 28], chunk: [1, 6, 1 << 16])
        }
        add("v2_nan", "train/activations/0[1] (epoch 3): contains NaN at row 0, column 1", nil, false, []) {
            self.growing($0, epochs: [0, 3, 4]) { $0 == 13 ? .nan : 0.25 }
        }
        add("v2_layer_names_integers", "layer_names: holds integer values, expected strings", nil, false, []) {
            self.growing($0, epochs: [0])
            $0.dataset("layer_names", shape: [1], doubles: [7], storage: .int64)
        }
        add("v2_gradmean_columns", "training/gradmean: has 2 values per epoch but the run has 1 layer (one value per layer)", ["snr", "charts"], true, []) {
            self.growing($0, epochs: [0, 1])
            $0.dataset("training/epochs", shape: [2], doubles: [0, 1], storage: .int64, chunked: true)
            for name in ["gradmean", "gradstd", "weights_norm"] {
                $0.dataset("training/\(name)", shape: [2, 2], doubles: [1, 2, 3, 4], storage: .float64, chunked: true)
            }
        }
        add("v2_accuracy_short", "train/accuracy: has 1 rows but train/epochs commits 2 epochs", ["accuracy", "charts"], true, []) {
            $0.dataset("train/epochs", shape: [2], doubles: [0, 1], storage: .int64, chunked: true)
            $0.dataset("train/activations/0", shape: [2, 6, 2], doubles: Array(repeating: 0.5, count: 24), chunked: true)
            $0.dataset("train/accuracy", shape: [1], doubles: [0.5], storage: .float64, chunked: true)
        }
    }

    private func cases() throws -> [Case] {
        let fifo = folder.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        var cases: [Case] = []
        func add(_ name: String, _ fragment: String, failing: Set<String>? = nil, format: Bool = true, every: Bool = false,
                 _ body: (H5Writer) -> Void) {
            cases.append(Case(name: name, file: run(name + ".h5", format: format, body), fragment: fragment, failing: failing,
                              everyCommand: every))
        }
        add("declared_huge", "train/0/activations/0: declared shape [6, 268435456] needs 6442450944 bytes but only 0 are stored: corrupt or sparse", every: true) {
            $0.declaredDataset("train/0/activations/0", shape: [6, 1 << 28])
        }
        add("declared_huge_chunked", "train/0/activations/0: declared shape [6, 268435456] needs 6442450944 bytes but only 0 of its 262144 chunks are stored") {
            $0.declaredDataset("train/0/activations/0", shape: [6, 1 << 28], chunk: [6, 1024])
        }
        add("overflowing_shape", "train/0/activations/0: declared shape [1099511627776, 1099511627776] is too large to count") {
            $0.declaredDataset("train/0/activations/0", shape: [1 << 40, 1 << 40], chunk: [1024, 1024])
        }
        add("huge_labels", "test/labels: declared shape [1099511627776] needs 4398046511104 bytes but only 0 of its 16777216 chunks are stored") {
            $0.declaredDataset("test/labels", shape: [1 << 40], chunk: [1 << 16])
            $0.dataset("test/0/activations/0", shape: [6, 2], doubles: Array(repeating: 0, count: 12))
        }
        cases[cases.count - 1].extra = ["--split", "test"]
        add("format_vlen_array", "/: attribute 'format' has shape [2], expected a string", format: false, every: true) {
            $0.stringArrayAttribute("format", ["dneck-run", "dneck-run"])
            $0.intAttribute("format_version", 1)
            self.layer($0, epoch: 0, 0)
        }
        add("format_fixed_array", "/: attribute 'format' has shape [3], expected a string", format: false) {
            $0.stringArrayAttribute("format", ["dneck-run", "a", "b"], fixedLength: 9)
            $0.intAttribute("format_version", 1)
            self.layer($0, epoch: 0, 0)
        }
        add("format_integer", "/: attribute 'format' holds integer values, expected a string", format: false) {
            $0.intAttribute("format", 1)
            self.layer($0, epoch: 0, 0)
        }
        add("format_newline", "attribute 'format' is 'dneck-run\\nFAKE', expected 'dneck-run'", format: false) {
            $0.stringAttribute("format", "dneck-run\nFAKE")
            self.layer($0, epoch: 0, 0)
        }
        add("version_array", "/: attribute 'format_version' has shape [4], expected an integer", format: false) {
            $0.stringAttribute("format", "dneck-run")
            $0.intArrayAttribute("format_version", [1, 1, 1, 1])
            self.layer($0, epoch: 0, 0)
        }
        add("version_float", "/: attribute 'format_version' holds floating-point values, expected an integer", format: false) {
            $0.stringAttribute("format", "dneck-run")
            $0.doubleAttribute("format_version", 1)
            self.layer($0, epoch: 0, 0)
        }
        add("link_to_fifo", "train/0/activations/1: external link to '\(fifo)' object '/x' (links out of the file are refused)", every: true) {
            self.layer($0, epoch: 0, 0)
            $0.externalLink("train/0/activations/1", to: fifo, object: "/x")
        }
        add("link_to_missing", "train/0: external link to 'absent.h5' object '/0'") {
            $0.externalLink("train/0", to: "absent.h5", object: "/0")
        }
        add("link_to_dev_zero", "train/1/activations/0: external link to '/dev/zero'",
            failing: ["measures", "infoplane", "movie", "activations", "single-neuron", "activity", "charts"], every: true) {
            self.layer($0, epoch: 0, 0)
            $0.externalLink("train/1/activations/0", to: "/dev/zero", object: "/a")
        }
        add("external_storage", "train/0/activations/0: data stored in external file 'raw.bin' (links out of the file are refused)") {
            $0.externalStorageDataset("train/0/activations/0", shape: [6, 2], rawFile: "raw.bin")
        }
        add("zero_units", "train/0/activations/1: layer has no units (shape [6, 0])", every: true) {
            self.layer($0, epoch: 0, 0)
            $0.dataset("train/0/activations/1", shape: [6, 0], doubles: [])
        }
        add("extra_layer_later", "train/1/activations/1: layer 1 is not in epoch 0 (every epoch must have the layers of the first)") {
            self.layer($0, epoch: 0, 0)
            self.layer($0, epoch: 1, 0)
            self.layer($0, epoch: 1, 1)
        }
        add("wider_layer_later", "train/2/activations/0: has 3 units but layer 0 has 2 at epoch 0",
            failing: ["measures", "infoplane", "movie", "activations", "single-neuron", "activity", "charts"], every: true) {
            self.layer($0, epoch: 0, 0)
            self.layer($0, epoch: 2, 0, units: 3)
        }
        add("empty_gradmean", "train/0/gradmean: has 0 values but the run has 1 layer (one value per layer)", failing: ["snr", "charts"], every: true) {
            self.layer($0, epoch: 0, 0)
            $0.dataset("train/0/gradmean", shape: [0], doubles: [], storage: .float64)
            $0.dataset("train/0/gradstd", shape: [1], doubles: [1], storage: .float64)
            $0.dataset("train/0/weights_norm", shape: [1], doubles: [1], storage: .float64)
        }
        add("label_probs_sum", "train/label_probs: row 2 sums to 0.5, not 1", failing: ["infoplane"], every: true) {
            self.layer($0, epoch: 0, 0)
            $0.dataset("train/label_probs", shape: [6, 2], doubles: [0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
        }
        cases[cases.count - 1].extra = ["--ib-bound"]
        // Finite but huge values: every command must end (a chart or an error, no hang; an
        // axis over ±1e308 spans more than a Double).
        add("huge_finite_values", "", failing: [], every: true) {
            self.layer($0, epoch: 0, 0) { $0 == 0 ? 1e308 : $0 == 3 ? -1e308 : 0.25 }
            self.layer($0, epoch: 1, 0)
        }
        // A FIFO, a folder, a name with a newline: refused before anything opens them.
        cases.append(Case(name: "fifo_input", file: fifo, fragment: "\(fifo): is a FIFO, not a regular file", everyCommand: true))
        cases.append(Case(name: "folder_input", file: folder.path, fragment: "\(folder.path): is a folder, not a regular file"))
        cases.append(Case(name: "device_input", file: "/dev/zero", fragment: "/dev/zero: is a character device, not a regular file"))
        let newline = folder.appendingPathComponent("two\nlines.h5").path
        cases.append(Case(name: "newline_name", file: newline, fragment: "two\\nlines.h5: no such file"))
        growingCases { name, fragment, failing, every, extra, body in
            cases.append(Case(name: name, file: run(name + ".h5", version: 2, body), fragment: fragment, failing: failing, extra: extra,
                              everyCommand: every))
        }
        let good = run("good.h5") { self.layer($0, epoch: 0, 0) }
        cases.append(Case(name: "fifo_labels", file: good, fragment: "\(fifo): is a FIFO, not a regular file", extra: ["--labels", fifo]))
        return cases
    }

    func testMalformedRunsFailCleanlyInEverySubcommand() throws {
        let cases = try cases()
        let runs = cases.flatMap { c in
            HostileInputTests.commands(out: folder.appendingPathComponent("out_\(c.name)"))
                .filter { c.everyCommand || ["measures", "movie", "charts"].contains($0[0]) }
                .map { (c, $0) }
        }
        for (c, _) in runs { try? FileManager.default.createDirectory(at: folder.appendingPathComponent("out_\(c.name)"), withIntermediateDirectories: true) }
        let results = ResultBox<CLIResult>(count: runs.count)
        DispatchQueue.concurrentPerform(iterations: runs.count) { i in
            let (c, command) = runs[i]
            let arguments = [command[0], c.file] + c.extra + Array(command.dropFirst())
            results.set(i, Result { try runCLI(arguments, in: folder.appendingPathComponent("out_\(c.name)"), timeout: 30, limits: "ulimit -v \(2 << 20)") })
        }
        for (i, (c, command)) in runs.enumerated() {
            let label = "\(c.name): \(command[0])"
            let result = try results.get(i)
            XCTAssertFalse(result.timedOut, "\(label) hung")
            XCTAssertFalse(result.signaled, "\(label) died of signal \(result.status): \(result.stderr)")
            guard c.failing?.contains(command[0]) ?? true else { continue }
            XCTAssertNotEqual(result.status, 0, label)
            XCTAssertEqual(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).count, 2, "\(label): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("dneck-plot: error: "), "\(label): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(c.fragment), "\(label): «\(result.stderr)» lacks «\(c.fragment)»")
        }
        for c in cases {
            let out = folder.appendingPathComponent("out_\(c.name)")
            let left = (try? FileManager.default.subpathsOfDirectory(atPath: out.path)) ?? []
            if c.failing == nil { XCTAssertEqual(left, [], "\(c.name): files left behind") }
            XCTAssertFalse(left.contains { $0.contains(".tmp") }, "\(c.name): temporary files left: \(left)")
        }
    }

    /// `-o` naming an input (itself, through a symbolic link, through a hard link, the labels
    /// file) or a FIFO is refused; the input is left byte for byte as it was.
    func testOutputNeverReplacesAnInputOrASpecialFile() throws {
        let run = folder.appendingPathComponent("run.h5").path
        let labels = folder.appendingPathComponent("dump_labels.npy").path
        let dump = folder.appendingPathComponent("dump.h5").path
        SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [(0..<8).map { Double($0) / 8 }])], units: [2]).writeDneck(run)
        SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [(0..<8).map { Double($0) / 8 }])], units: [2]).writeFlat(dump)
        writeNPY([0, 1, 0, 1], to: labels)
        let alias = folder.appendingPathComponent("alias.csv").path
        let hardlink = folder.appendingPathComponent("same.csv").path
        XCTAssertEqual(symlink(run, alias), 0)
        XCTAssertEqual(link(run, hardlink), 0)
        let fifo = folder.appendingPathComponent("out.png").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: run)), labelsBefore = try Data(contentsOf: URL(fileURLWithPath: labels))
        let cases: [([String], String)] = [
            (["measures", run, "-o", run], "\(run): cannot write output (it is the input \(run))"),
            (["measures", run, "-o", alias], "\(alias): cannot write output (it is the input \(run))"),
            (["infoplane", run, "-o", hardlink.replacingOccurrences(of: ".csv", with: ".png")], ""),
            (["measures", run, "-o", hardlink], "\(hardlink): cannot write output (it is the input \(run))"),
            (["measures", dump, "-o", labels], "\(labels): cannot write output (it is the input \(labels))"),
            (["infoplane", run, "-o", fifo], "\(fifo): cannot write output (it is a FIFO, not a regular file)"),
        ]
        for (arguments, fragment) in cases {
            let result = try runCLI(arguments, in: folder, timeout: 30)
            XCTAssertFalse(result.timedOut || result.signaled, arguments.joined(separator: " "))
            if fragment.isEmpty { XCTAssertEqual(result.status, 0, result.stderr); continue }
            XCTAssertEqual(result.status, 1, arguments.joined(separator: " "))
            XCTAssertEqual(result.stderr, "dneck-plot: error: \(fragment)\n")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: run)), before)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: labels)), labelsBefore)
        var info = stat()
        XCTAssertEqual(stat(fifo, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: folder.path).contains { $0.hasPrefix(".") })
    }

    /// A write that fails (here a file size limit: the kernel answers EFBIG, as it answers
    /// ENOSPC on a full disk) is an error naming the output, and leaves nothing.
    /// An input is known by its device and inode only while its path still names that file:
    /// once deleted, its inode number may go to a new file, which is not the input.
    func testADeletedInputNoLongerClaimsItsInode() throws {
        let path = folder.appendingPathComponent("input.h5").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([1])))
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        let (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino))
        InputFiles.shared.register(path: path, device: device, inode: inode)
        XCTAssertEqual(InputFiles.shared.input(device: device, inode: inode), path)
        try FileManager.default.removeItem(atPath: path)
        XCTAssertNil(InputFiles.shared.input(device: device, inode: inode))
    }

    func testFailedWriteLeavesNothing() throws {
        let run = folder.appendingPathComponent("run.h5").path
        SyntheticRun(labels: (0..<400).map { $0 % 2 }, epochs: (0..<40).map { ($0, [(0..<1200).map { Double($0 % 97) / 97 }]) },
                     units: [3]).writeDneck(run)
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // 1 kB of file at most; SIGXFSZ ignored so that the write fails instead of killing.
        let limits = "ulimit -f 2 && trap '' XFSZ"
        for arguments in [["measures", run, "-o", "m.csv"], ["infoplane", run, "-o", "p.png"], ["infoplane", run, "-o", "p.svg"]] {
            let result = try runCLI(arguments, in: out, timeout: 30, limits: limits)
            XCTAssertFalse(result.timedOut || result.signaled, arguments.joined(separator: " "))
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(arguments[3]), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [], "\(arguments)")
        }
    }

    /// SIGINT, SIGTERM and SIGHUP while `movie` or `charts` writes: the temporary files go,
    /// nothing is left, the exit status is 128 + the signal.
    func testSignalsWhileWritingLeaveNothing() throws {
        let run = folder.appendingPathComponent("run.h5").path
        let samples = 800
        SyntheticRun(labels: (0..<samples).map { $0 % 2 },
                     epochs: (0..<80).map { e in (e, (0..<3).map { l in (0..<samples * 6).map { sin(Double($0 * (l + 1) + e)) } }) },
                     units: [6, 6, 6], accuracy: true).writeDneck(run)
        // At 300 dpi each chart's PNG takes a while to encode: its temporary file is there long
        // enough to be seen.
        for command in [["movie", run, "-o", "m.mp4"], ["charts", run, "-d", ".", "--dpi", "300"]] {
            for number in [SIGINT, SIGTERM, SIGHUP] {
                let out = folder.appendingPathComponent("out_\(command[0])_\(number)")
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                // Signalled once a temporary file is there: mid-write, not before it.
                let writing = { (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.contains { $0.hasSuffix(".tmp") } ?? false }
                let result = try runCLI(command, in: out, timeout: 60, signal: (number, writing))
                XCTAssertFalse(result.timedOut, "\(command[0]) \(number)")
                XCTAssertFalse(result.signaled, "\(command[0]) \(number): died of the signal instead of handling it")
                XCTAssertEqual(result.status, 128 + number, "\(command[0]) \(number): \(result.stderr)")
                XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [], "\(command[0]) \(number)")
            }
        }
    }
}
