import ArgumentParser
import Foundation

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "dneck-plot watch beside a writer replaying a run epoch by epoch: the time from each commit to the report that shows it; and the dneck package's logging against hand-written h5py.",
        discussion: """
        The writer (Benchmarks/watch_replay.py, the dneck package from python/) replays every \
        logged epoch of a version 1 run into a version 2 run, one every --pace seconds, and says \
        when each commit ended. `dneck-plot watch` follows it with every artifact of `all` (both \
        movies included); the report is written last, so the moment index.html names an epoch \
        is when everything shows it. Then: how `all`'s time on the whole run splits into what \
        watch makes again at each epoch (every figure and movie) and what its cache spares (the \
        measures of earlier epochs); and Benchmarks/logging_overhead.py. Needs python3 with \
        numpy and h5py.

        Example:
          python3 ../shared/tools/train_runs.py --out /tmp/tanh_3000.h5 --epochs 3000 --seed 7
          swift build -c release && .build/release/dneck-bench watch /tmp/tanh_3000.h5 --pace 1
        """)

    @Argument(help: "A version 1 dneck run file to replay.") var path: String
    @Option(help: "Seconds between two commits of the writer.") var pace = 1.0
    @Option(help: "Replay only the first N logged epochs (0: all).") var epochs = 0
    @Option(help: "Runs of each side of the logging comparison.") var repeats = 5

    func run() throws {
        let scratch = try ScratchFolder(name: "watch")
        let cli = try requiredDneckPlot()
        let live = scratch.file("live.h5").path, folder = scratch.file("report")
        let python = ["PYTHONPATH": benchmarksFolder.deletingLastPathComponent().appendingPathComponent("python").path]
        let watch = try start(cli.path, ["watch", live, "-o", folder.path, "--interval", "0.05"])
        let commits = Commits()
        let writer = try start("python3", [benchmarksFolder.appendingPathComponent("watch_replay.py").path, path, live,
                                           "--pace", "\(pace)", "--epochs", "\(epochs)"], environment: python) { commits.take($0) }
        let shown = ReportWatcher(index: folder.appendingPathComponent("index.html"))
        shown.follow(until: { !watch.isRunning })
        writer.waitUntilExit()
        guard writer.terminationStatus == 0, watch.terminationStatus == 0 else {
            throw ValidationError("the writer (status \(writer.terminationStatus)) or watch (status \(watch.terminationStatus)) failed")
        }
        let latencies = commits.epochs.compactMap { epoch, committed in
            shown.renderings.first { $0.epoch >= epoch }.map { $0.time - committed }
        }.sorted()
        let closed = commits.closed.map { close in (shown.finalTime ?? close) - close }
        print("dneck-plot watch of \(path) replayed by the dneck package, one epoch every \(pace) s; every artifact of all, both movies:")
        print("  \(commits.epochs.count) epochs committed, \(shown.renderings.count) live reports written (epochs that came during one rendering are shown together)")
        if !latencies.isEmpty {
            print(String(format: "  commit → report showing it: median %.2f s, 90th percentile %.2f s, max %.2f s",
                         latencies[latencies.count / 2], latencies[latencies.count * 9 / 10], latencies.last!))
        }
        if let closed { print(String(format: "  writer closed → final folder (equal to all's): %.2f s", closed)) }
        let final = scratch.file("all")
        let all = try bestTime(repeats: 1) { try runProcess(cli.path, ["all", live, "-o", final.path]) }
        let figures = try bestTime(repeats: 1) { try runProcess(cli.path, ["all", live, "--skip", "infoplane_movie", "-o", scratch.file("figures").path]) }
        let measures = try bestTime(repeats: 1) {
            for split in ["train", "test"] { try runProcess(cli.path, ["measures", live, "--split", split, "-o", scratch.file("m.csv").path]) }
        }
        print("how all's time on the whole run splits (single whole-process runs):")
        printRow("dneck-plot all", all, baseline: nil)
        printRow("  without the two movies", figures, baseline: nil)
        printRow("  the measures of both splits (the cache spares these)", measures, baseline: nil)
        print("logging the same run: the dneck package's RunWriter vs a hand-written h5py snippet (best of \(repeats), alternating):")
        let report = try runProcess("/usr/bin/env", python.map { "\($0)=\($1)" }
                                    + ["python3", benchmarksFolder.appendingPathComponent("logging_overhead.py").path, path, "--repeats", "\(repeats)"])
        for line in report.split(separator: "\n") { print("  \(line)") }
    }

    /// Starts `executable` (a path, or a name on PATH) without waiting; `lines` gets each line of its stdout.
    private func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       lines: (@Sendable (String) -> Void)? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = environment.map { "\($0)=\($1)" } + [executable] + arguments
        if let lines {
            let pipe = Pipe()
            process.standardOutput = pipe
            let buffer = LineBuffer(lines)
            pipe.fileHandleForReading.readabilityHandler = { buffer.add($0.availableData) }
        }
        try process.run()
        return process
    }
}

/// The writer's commits, as it says them.
private final class Commits: @unchecked Sendable {
    private let lock = NSLock()
    private var said: [(epoch: Int, time: Double)] = []
    private var closedAt: Double?

    func take(_ line: String) {
        let parts = line.split(separator: " ")
        lock.lock(); defer { lock.unlock() }
        if parts.count == 3, parts[0] == "commit", let epoch = Int(parts[1]), let time = Double(parts[2]) { said.append((epoch, time)) }
        if parts.count == 2, parts[0] == "closed", let time = Double(parts[1]) { closedAt = time }
    }

    var epochs: [(epoch: Int, time: Double)] { lock.lock(); defer { lock.unlock() }; return said }
    var closed: Double? { lock.lock(); defer { lock.unlock() }; return closedAt }
}

/// Splits a stream into lines.
private final class LineBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = Data()
    private let line: @Sendable (String) -> Void
    init(_ line: @escaping @Sendable (String) -> Void) { self.line = line }

    func add(_ data: Data) {
        lock.lock(); defer { lock.unlock() }
        pending.append(data)
        while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
            line(String(decoding: pending[pending.startIndex..<end], as: UTF8.self))
            pending = Data(pending[pending.index(after: end)...])
        }
    }
}

/// Watches a report's index.html: each time it is replaced, the epoch it names and when.
private final class ReportWatcher {
    let index: URL
    private(set) var renderings: [(epoch: Int, time: Double)] = []
    /// When the final report (without the live paragraph) appeared.
    private(set) var finalTime: Double?

    init(index: URL) { self.index = index }

    /// Polls every 5 ms until `done` (the watch ended).
    func follow(until done: () -> Bool) {
        var last: timespec?
        while !done() {
            var info = stat()
            if stat(index.path, &info) == 0, last.map({ $0.tv_sec != info.st_mtim.tv_sec || $0.tv_nsec != info.st_mtim.tv_nsec }) ?? true {
                last = info.st_mtim
                let now = Date().timeIntervalSince1970
                if let page = try? String(contentsOf: index, encoding: .utf8) {
                    if let range = page.range(of: "last committed epoch "),
                       let epoch = Int(page[range.upperBound...].prefix { $0.isNumber }) { renderings.append((epoch, now)) }
                    else if !page.contains("http-equiv=\"refresh\"") { finalTime = now }
                }
            }
            usleep(5_000)
        }
    }
}
