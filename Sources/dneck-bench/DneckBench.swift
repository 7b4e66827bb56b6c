import ArgumentParser
import DneckCore
import DneckIO
import DneckMeasures
import Foundation

/// Benchmarks that time dneck-plot's work and the matplotlib/numpy way of doing the same job,
/// side by side in one invocation, and print both times and the ratio.
@main
struct DneckBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dneck-bench",
        abstract: "Time dneck-plot against the numpy/matplotlib baselines in Benchmarks/.",
        discussion: """
        Example:
          python3 ../shared/tools/train_runs.py --out /tmp/tanh_3000.h5 --epochs 3000 --seed 7
          swift run -c release dneck-bench binning /tmp/tanh_3000.h5
        """,
        subcommands: [Binning.self, Movie.self, Charts.self, KDE.self, KDERun.self, NeighbourBench.self, IBCurveBench.self, Inputs.self, All.self, Watch.self, Speed.self, Floors.self])
}

/// Wall-clock seconds of `body`, best of `repeats`.
func bestTime(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try bestRun(repeats: repeats, body).wall
}

/// Wall-clock seconds of `body`'s fastest run of `repeats`, and the processor seconds of that run
/// (user and system, all threads of this process).
func bestRun(repeats: Int, _ body: () throws -> Void) rethrows -> (wall: Double, processor: Double) {
    var best = (wall: Double.infinity, processor: 0.0)
    for _ in 0..<repeats {
        let (start, used) = (DispatchTime.now().uptimeNanoseconds, processorSeconds())
        try body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if wall < best.wall { best = (wall, processorSeconds() - used) }
    }
    return best
}

/// User and system seconds of this process so far, all threads.
private func processorSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Wall-clock seconds of single runs of each of `jobs`, taken in turn `runs` times (job 0, job 1,
/// …, job 0, …): each run as a user waits for it, and a neighbour's load on the shared machine
/// falls on every job alike. `result[j]` holds job j's runs in order.
func alternated(runs: Int, _ jobs: [() throws -> Void]) throws -> [[Double]] {
    var seconds = jobs.map { _ in [Double]() }
    for _ in 0..<runs {
        for (j, job) in jobs.enumerated() { seconds[j].append(try bestTime(repeats: 1, job)) }
    }
    return seconds
}

/// One row of single runs: the range of `seconds` and, against `baseline`'s runs (alternated
/// with them), the range of the ratios of the runs taken together.
func printRange(_ name: String, _ seconds: [Double], baseline: [Double]?) {
    guard let fastest = seconds.min(), let slowest = seconds.max() else { return }
    let ratios = baseline.map { zip($0, seconds).map { $0 / $1 } } ?? []
    let ratio = ratios.isEmpty ? "" : String(format: "%5.1f–%.1f× faster than baseline", ratios.min()!, ratios.max()!)
    let padded = name.padding(toLength: 62, withPad: " ", startingAt: 0)
    print(String(format: "  %@ %7.3f–%.3f s  %@", padded, fastest, slowest, ratio))
}

/// Runs a command to completion and returns its standard output; throws when it fails. A path
/// runs as it is, a bare name is looked up on PATH. Spawned and waited for directly: Foundation's
/// `Process` notices the end of a child only every 50 ms, which would blur short commands.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
    try runChild(executable, arguments).output
}

/// `runChild` killed its command at the time limit.
struct ChildTimedOut: Error {
    let seconds: Double
}

/// Kills a child (SIGKILL) at a deadline unless it was waited for first, so never a reused pid.
/// The deadline holds while the child's output is open: a child that closes it and runs on is
/// waited for without one.
private final class ChildDeadline: @unchecked Sendable {
    let seconds: Double
    private let lock = NSLock()
    private let timer = DispatchSource.makeTimerSource(queue: .global())
    private var reaped = false
    private var wasKilled = false

    init(_ pid: pid_t, after seconds: Double) {
        self.seconds = seconds
        timer.schedule(deadline: .now() + seconds)
        timer.setEventHandler { [self] in
            lock.lock(); defer { lock.unlock() }
            if !reaped { wasKilled = kill(pid, SIGKILL) == 0 }
        }
        timer.resume()
    }

    /// Whether the deadline killed the child.
    var killed: Bool { lock.lock(); defer { lock.unlock() }; return wasKilled }

    /// `wait` (which reaps the child) with the deadline held off, then cancelled.
    func reap(_ wait: () -> Void) {
        lock.lock(); defer { lock.unlock() }
        wait()
        reaped = true
        timer.cancel()
    }
}

/// Runs a command as `runProcess` does and returns its standard output and its own peak
/// resident memory in MB. With `timeout`, a command still running after that many seconds is
/// killed (SIGKILL) and `ChildTimedOut` thrown.
func runChild(_ executable: String, _ arguments: [String], timeout: Double? = nil) throws -> (output: String, peakMegabytes: Double) {
    var pipe: [Int32] = [0, 0]
    guard Glibc.pipe(&pipe) == 0 else { throw ValidationError("cannot make a pipe") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipe[0])
    let started = Result { try spawn(executable, arguments, &actions) }
    close(pipe[1])
    defer { close(pipe[0]) }
    let pid = try started.get()
    let deadline = timeout.map { ChildDeadline(pid, after: $0) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = read(pipe[0], &chunk, chunk.count)
        if n <= 0 { break }
        output += chunk[0..<n]
    }
    var status: Int32 = 0
    var usage = rusage()
    let reap = { while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {} }
    if let deadline { deadline.reap(reap) } else { reap() }
    if let deadline, deadline.killed { throw ChildTimedOut(seconds: deadline.seconds) }
    guard status == 0 else {
        throw ValidationError("\(executable) \(arguments.joined(separator: " ")) failed with status \(status)")
    }
    return (String(decoding: output, as: UTF8.self), Double(usage.ru_maxrss) / 1024)
}

/// A temporary folder for a benchmark's files, removed when the value goes away.
final class ScratchFolder {
    let url: URL
    init(name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dneck-bench-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// The dneck-plot built beside this dneck-bench (it may be missing).
let dneckPlotBesideBench = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dneck-plot")

/// `dneckPlotBesideBench`, or an error saying to build it.
func requiredDneckPlot() throws -> URL {
    guard FileManager.default.isExecutableFile(atPath: dneckPlotBesideBench.path) else {
        throw ValidationError("no dneck-plot beside dneck-bench: build it (swift build -c release)")
    }
    return dneckPlotBesideBench
}

/// The Python of the numpy baselines: Debian's, which setup.sh gives numpy, scipy and h5py, else `python3` on PATH.
let defaultPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"

/// The `Benchmarks/` folder of this checkout.
let benchmarksFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Benchmarks")

func printRow(_ name: String, _ seconds: Double, baseline: Double?) {
    let ratio = baseline.map { String(format: "%7.1f× faster than baseline", $0 / seconds) } ?? ""
    let padded = name.padding(toLength: 62, withPad: " ", startingAt: 0)
    print(String(format: "  %@ %9.3f s  %@", padded, seconds, ratio))
}

struct Binning: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Binning MI of a whole run: dneck-plot's measures vs numpy floor + np.unique (deep-bottleneck's way).")

    @Argument(help: "A dneck run file.") var path: String
    @Option var split: Split = .train
    @Option var repeats = 3

    func run() throws {
        let scratch = try ScratchFolder(name: "binning")
        let ours = scratch.file("dneck.csv"), theirs = scratch.file("numpy.csv")
        reuseFreedMemory()
        var rows = 0
        let dneck = try bestTime(repeats: repeats) {
            let reader = try RunReader(path: path, split: split)
            let table = try InformationMeasures.compute(reader, estimator: BinningEstimator()).table
            rows = table.points.count
            try AtomicOutput.write(text: table.csv(quantity: .bits), to: ours)
        }
        // The same job as a user runs it: the dneck-plot command, process start-up included.
        let cli = dneckPlotBesideBench
        let process = FileManager.default.isExecutableFile(atPath: cli.path)
            ? try bestTime(repeats: repeats) {
                try runProcess(cli.path, ["measures", path, "--split", split.rawValue, "-o", ours.path])
            }
            : nil
        let numpy = try bestTime(repeats: repeats) {
            try runProcess("python3", [benchmarksFolder.appendingPathComponent("binning_numpy.py").path, path,
                                       "--split", split.rawValue, "-o", theirs.path])
        }
        let a = try String(contentsOf: ours, encoding: .utf8).split(separator: "\n").dropFirst()
        let b = try String(contentsOf: theirs, encoding: .utf8).split(separator: "\n").dropFirst()
        let deviation = zip(a, b).map { x, y in
            zip(x.split(separator: ",").dropFirst(2), y.split(separator: ",").dropFirst(2))
                .map { abs(Double($0)! - Double($1)!) }.max() ?? 0
        }.max() ?? 0
        print("binning estimator, \(rows) (epoch, layer) rows of \(path) [\(split.rawValue)], best of \(repeats):")
        printRow("numpy (floor + np.unique, h5py)", numpy, baseline: nil)
        printRow("dneck-plot measures, in-process (2 cores)", dneck, baseline: numpy)
        if let process { printRow("dneck-plot measures, whole command", process, baseline: numpy) }
        print(String(format: "  largest difference between the two tables: %.2e bits", deviation))
    }
}

extension Split: ExpressibleByArgument {}

/// The exit status of a command run with its output and errors discarded (`WEXITSTATUS`, or
/// 128 + the signal that ended it).
func exitStatus(_ executable: String, _ arguments: [String]) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for descriptor: Int32 in [1, 2] { posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0) }
    let pid = try spawn(executable, arguments, &actions)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

/// Starts `executable` (a path as it is, a bare name looked up on PATH) with `arguments` and the
/// file actions `actions`; its pid.
private func spawn(_ executable: String, _ arguments: [String], _ actions: inout posix_spawn_file_actions_t) throws -> pid_t {
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw ValidationError("cannot run \(executable): \(String(cString: strerror(spawned)))") }
    return pid
}
