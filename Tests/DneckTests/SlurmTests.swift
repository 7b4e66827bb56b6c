import Foundation
import XCTest

/// examples/slurm/ under a real one-node Slurm that the test configures, starts and stops in a
/// temporary folder: the array job renders three runs, the dependent job compares them.
final class SlurmTests: XCTestCase {
    /// The subcommand the array job runs and its output-folder option.
    static let artifactsCommand = (name: "all", outputFlag: "-o")
    /// Artifacts every run's folder must hold (besides every PNG in it decoding).
    static let expectedFigures = ["activations_train.png", "accuracy.png", "infoplane_movie_train.mp4", "manifest.json",
                                  "index.html"]

    static let examples = Fixtures.packageRoot.appendingPathComponent("examples/slurm")
    static let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py")

    private var cluster: OneNodeSlurm?
    private var folder: URL?

    /// Stops the cluster (whatever the test did) before its folder goes.
    override func tearDown() {
        cluster?.stop()
        cluster = nil
        if let folder { try? FileManager.default.removeItem(at: folder) }
        folder = nil
        super.tearDown()
    }

    func testArrayJobRendersEachRunAndTheDependentJobComparesThem() throws {
        let missing = OneNodeSlurm.missingPrograms()
        try XCTSkipUnless(missing.isEmpty, "no \(missing.joined(separator: ", ")) on this machine: "
            + "install Debian's slurm-wlm and munge (setup.sh does) to run the Slurm example under a real one-node cluster")
        try XCTSkipUnless(getuid() == 0, "the one-node Slurm runs its daemons as root (SlurmUser=root); run the tests as root")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.trainer.path), "../shared/tools is not beside the package")
        let folder = Fixtures.temporaryFolder()
        self.folder = folder
        let runs = try (1...3).map { seed in try trainRun(seed: seed, in: folder) }

        let slurm = try OneNodeSlurm(folder: folder.appendingPathComponent("slurm"))
        cluster = slurm
        try slurm.start()

        let out = folder.appendingPathComponent("out")
        let submit = try slurm.run(Self.examples.appendingPathComponent("submit.sh").path, runs.map(\.path), environment: [
            "OUT": out.path,
            "DNECK_PLOT": productsFolder().appendingPathComponent("dneck-plot").path,
            "DNECK_ARTIFACTS_CMD": Self.artifactsCommand.name,
            "DNECK_OUTPUT_FLAG": Self.artifactsCommand.outputFlag,
            "DNECK_ARGS": "--dpi 40",
            "DNECK_COMPARE_ARGS": "--dpi 40",
            // One core per task, so the node's two cores run two tasks at once.
            "DNECK_SBATCH_ARGS": "--cpus-per-task=1 --mem=1G",
        ], in: folder)
        XCTAssertEqual(submit.result.status, 0, submit.result.stderr)
        let ids = submit.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        XCTAssertEqual(ids.count, 2, "submit.sh prints the array's and compare's job ids, got \(submit.stdout)")
        guard ids.count == 2 else { return }
        let (arrayID, compareID) = (ids[0], ids[1])

        let states = try slurm.waitForJob(compareID, among: [arrayID, compareID], timeout: 240)
        let report = "job states \(states); logs:\n" + slurm.logs(of: out.appendingPathComponent("logs"))
        XCTAssertEqual(states[compareID], "COMPLETED", report)
        for task in 1...runs.count { XCTAssertEqual(states["\(arrayID)_\(task)"], "COMPLETED", report) }

        for run in runs {
            let runFolder = out.appendingPathComponent(run.deletingPathExtension().lastPathComponent)
            let figures = (try? FileManager.default.contentsOfDirectory(atPath: runFolder.path)) ?? []
            for name in Self.expectedFigures { XCTAssertTrue(figures.contains(name), "\(runFolder.path) lacks \(name): \(figures)") }
            for name in figures where name.hasSuffix(".png") { assertValidPNG(runFolder.appendingPathComponent(name)) }
        }
        assertValidPNG(out.appendingPathComponent("compare.png"))
    }

    /// submit.sh checks the list before queuing anything: one line on stderr naming the list and
    /// the line, status 2, sbatch never called. No Slurm needed.
    func testSubmitRefusesABadRunListAndQueuesNothing() throws {
        let folder = Fixtures.temporaryFolder()
        self.folder = folder
        let run = Fixtures.exampleRun, absent = folder.appendingPathComponent("absent.h5").path
        let sameStem = folder.appendingPathComponent("again/harmonics_tanh_small.h5")
        try FileManager.default.createDirectory(at: sameStem.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: sameStem.path, contents: Data())
        // A stand-in sbatch on PATH records that it ran.
        let bin = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let sbatch = bin.appendingPathComponent("sbatch"), ran = folder.appendingPathComponent("sbatch-ran")
        try "#!/bin/sh\ntouch '\(ran.path)'\necho 1\n".write(to: sbatch, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sbatch.path)

        let list = folder.appendingPathComponent("runs.txt")
        let cases = [
            ("\(run)\n\(absent)\n", "line 2: no run file \(absent)"),
            ("\(run)\n\n\(run)\n", "line 2 is empty"),
            ("\(run)\n\(sameStem.path)", "line 2: a second run named harmonics_tanh_small"),
            ("", "lists no run file"),
        ]
        for (content, problem) in cases {
            try content.write(to: list, atomically: true, encoding: .utf8)
            let result = try runProgram("/usr/bin/env", [
                "PATH=\(bin.path):/usr/bin:/bin", "OUT=\(folder.path)/out", "RUN_LIST=\(list.path)",
                Self.examples.appendingPathComponent("submit.sh").path,
            ], timeout: 20)
            XCTAssertEqual(result.status, 2, content)
            let separator = problem.hasPrefix("line") ? ": " : " "
            XCTAssertEqual(result.stderr, "submit.sh: \(list.path)\(separator)\(problem)\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: ran.path), "sbatch ran for \(content)")
        }
    }

    /// A 20-epoch run of the shared trainer (about half a second).
    private func trainRun(seed: Int, in folder: URL) throws -> URL {
        let run = folder.appendingPathComponent("tanh_s\(seed).h5")
        let result = try runProgram("/usr/bin/env", [Fixtures.python, Self.trainer.path, "--out", run.path, "--epochs", "20",
                                                     "--seed", "\(seed)"], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        return run
    }

    private func assertValidPNG(_ url: URL, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let png = try DecodedPNG(path: url.path)
            XCTAssertGreaterThan(png.width * png.height, 0, url.path, file: file, line: line)
        } catch {
            XCTFail("\(url.path): \(error.localizedDescription)", file: file, line: line)
        }
    }
}

/// A one-node Slurm cluster (munged, slurmctld, slurmd as root) living in `folder`: its own
/// slurm.conf, munge key and socket, state, spool, logs and free ports.
final class OneNodeSlurm {
    static let daemons = ["munged", "slurmctld", "slurmd"]
    static let clients = ["sbatch", "squeue", "sinfo", "scancel"]

    let folder: URL
    var conf: URL { folder.appendingPathComponent("slurm.conf") }
    private var running: [Daemon] = []
    private var outputs = 0

    init(folder: URL) throws {
        self.folder = folder
        for sub in ["munge", "state", "spool", "log"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }

    /// The daemons and clients not found in PATH, /usr/sbin or /sbin.
    static func missingPrograms() -> [String] { (daemons + clients).filter { path(of: $0) == nil } }

    static func path(of program: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return folders.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Writes the configuration and starts munged, slurmctld and slurmd; returns once the node is idle.
    func start() throws {
        let key = folder.appendingPathComponent("munge/munge.key")
        var keyBytes = [UInt8](repeating: 0, count: 1024)
        for i in keyBytes.indices { keyBytes[i] = UInt8.random(in: 0...255) }
        try Data(keyBytes).write(to: key)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: key.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.appendingPathComponent("munge").path)
        let socket = folder.appendingPathComponent("munge/munge.socket").path

        let node = try run("slurmd", ["-C"]).stdout.split(separator: "\n").first { $0.hasPrefix("NodeName=") }
        guard let node else { throw SlurmError("slurmd -C printed no NodeName line") }
        let ports = try FreePorts(count: 2).numbers
        let f = folder.path
        let settings = """
            ClusterName=dnecktest
            SlurmctldHost=localhost
            SlurmUser=root
            SlurmdUser=root
            SlurmctldPort=\(ports[0])
            SlurmdPort=\(ports[1])
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket=\(socket)
            StateSaveLocation=\(f)/state
            SlurmdSpoolDir=\(f)/spool
            SlurmctldPidFile=\(f)/slurmctld.pid
            SlurmdPidFile=\(f)/slurmd.pid
            SlurmctldLogFile=\(f)/log/slurmctld.log
            SlurmdLogFile=\(f)/log/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            SchedulerType=sched/backfill
            SchedulerParameters=bf_interval=1
            MpiDefault=none
            ReturnToService=2
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            JobCompType=jobcomp/none
            \(node) NodeAddr=127.0.0.1 State=UNKNOWN
            PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP

            """
        try settings.write(to: conf, atomically: true, encoding: .utf8)

        try launch("munged", ["-F", "-f", "--socket=\(socket)", "--key-file=\(key.path)", "--pid-file=\(f)/munge/munged.pid",
                              "--log-file=\(f)/log/munged.log", "--seed-file=\(f)/munge/munged.seed"])
        try waitUntil("munged's socket exists", timeout: 10) { FileManager.default.fileExists(atPath: socket) }
        try launch("slurmctld", ["-D", "-i"])
        try launch("slurmd", ["-D"])
        try waitUntil("the node is idle", timeout: 20) {
            try self.run("sinfo", ["-h", "-N", "-o", "%T"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "idle"
        }
    }

    /// Runs `program` with SLURM_CONF and `environment` set, returning how it ended and its stdout.
    func run(_ program: String, _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
             timeout: TimeInterval = 20) throws -> (result: CLIResult, stdout: String) {
        outputs += 1
        let stdout = folder.appendingPathComponent("stdout-\(outputs).txt")
        let variables = environment.merging(["SLURM_CONF": conf.path]) { $1 }.map { "\($0)=\($1)" }.sorted()
        let redirected = ["/bin/sh", "-c", "out=$1; shift; exec \"$@\" > \"$out\"", "sh", stdout.path]
        let result = try runProgram("/usr/bin/env", variables + redirected + [Self.path(of: program) ?? program] + arguments,
                                    in: directory, timeout: timeout)
        return (result, (try? String(contentsOf: stdout, encoding: .utf8)) ?? "")
    }

    /// Polls the jobs' states (`squeue -t all`, array tasks as `ID_TASK`) until `job` has ended
    /// (or `timeout` seconds passed) and returns them.
    func waitForJob(_ job: String, among jobs: [String], timeout: TimeInterval) throws -> [String: String] {
        let ended: Set = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE"]
        var states: [String: String] = [:]
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let lines = try run("squeue", ["-h", "-t", "all", "-j", jobs.joined(separator: ","), "-o", "%i %T"]).stdout
            states = Dictionary(lines.split(separator: "\n").compactMap { line -> (String, String)? in
                let fields = line.split(separator: " ")
                return fields.count == 2 ? (String(fields[0]), String(fields[1])) : nil
            }, uniquingKeysWith: { $1 })
            if let state = states[job], ended.contains(state) { return states }
            Thread.sleep(forTimeInterval: 0.5)
        } while Date() < deadline
        return states
    }

    /// Every file in `logs` and the daemons' logs, for a failure message.
    func logs(of logs: URL) -> String {
        let files = [logs, folder.appendingPathComponent("log")].flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().map { dir.appendingPathComponent($0) }
        }
        return files.map { "== \($0.path)\n" + ((try? String(contentsOf: $0, encoding: .utf8)).map { String($0.suffix(3000)) } ?? "") }
            .joined(separator: "\n")
    }

    /// Cancels every job and stops the daemons (SIGTERM, then SIGKILL after 5 s); safe to call twice.
    func stop() {
        if running.contains(where: { $0.name == "slurmctld" && $0.isRunning }) {
            _ = try? run("scancel", ["--user=root"], timeout: 10)
            try? waitUntil("no job runs", timeout: 10) {
                try self.run("squeue", ["-h", "-t", "running,completing", "-o", "%i"]).stdout.isEmpty
            }
        }
        for daemon in running.reversed() { daemon.stop() }
        running = []
    }

    private func launch(_ program: String, _ arguments: [String]) throws {
        let log = folder.appendingPathComponent("log/\(program).out")
        running.append(try Daemon(name: program, path: Self.path(of: program) ?? program, arguments: arguments,
                                  environment: ["SLURM_CONF": conf.path], log: log))
    }

    private func waitUntil(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            if let dead = running.first(where: { !$0.isRunning }) {
                throw SlurmError("\(dead.name) exited (wait status \(dead.exitStatus ?? 0)) before \(what):\n" + logs(of: folder))
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw SlurmError("\(what) did not happen within \(Int(timeout)) s:\n" + logs(of: folder))
    }
}

/// A daemon running in the foreground, its stdout and stderr in `log`. Spawned and reaped
/// here with posix_spawn and waitpid, not through Foundation's Process: a daemon that closes
/// its inherited descriptors makes Process's monitor thread wait for its exit, and every other
/// process's termination goes unnoticed until then.
private final class Daemon {
    let name: String
    private let pid: pid_t
    private(set) var exitStatus: Int32?

    init(name: String, path: String, arguments: [String], environment: [String: String], log: URL) throws {
        self.name = name
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        for fd in Self.inheritedDescriptors() { posix_spawn_file_actions_addclose(&actions, fd) }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard status == 0 else { throw SlurmError("cannot start \(path): \(String(cString: strerror(status)))") }
        self.pid = pid
    }

    /// This process's open descriptors above stderr, which the daemon must not keep open.
    private static func inheritedDescriptors() -> [Int32] {
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return listed.compactMap { Int32($0) }.filter { $0 > 2 && fcntl($0, F_GETFD) != -1 }
    }

    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus == nil
    }

    /// SIGTERM, then SIGKILL if it is still running 5 s later.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exitStatus = status
        }
    }
}

/// `count` distinct TCP ports free on this machine right now (bound to port 0, then released).
private struct FreePorts {
    let numbers: [Int]

    init(count: Int) throws {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var numbers: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SlurmError("socket() failed: errno \(errno)") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = INADDR_ANY
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                    bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
                }
            }
            guard bound else { throw SlurmError("cannot bind a free port: errno \(errno)") }
            numbers.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        self.numbers = numbers
    }
}

/// Why the test cluster could not be set up.
struct SlurmError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
