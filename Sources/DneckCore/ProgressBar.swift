import Foundation

/// Progress of long work on stderr. On a terminal, a bar redrawn in place; elsewhere (a CI or
/// Slurm log, a pipe), one line every `logInterval` seconds with the fraction done, so work
/// shorter than that prints nothing. Thread-safe.
public final class ProgressBar: @unchecked Sendable {
    /// How progress is shown.
    public enum Mode: Sendable {
        /// A bar redrawn in place (stderr is a terminal).
        case bar
        /// A line every `logInterval` seconds (a log).
        case log
        /// Nothing.
        case quiet
    }

    /// Seconds between two lines in a log.
    public static let logInterval = 10.0

    private let total: Int
    private let label: String
    private let mode: Mode
    private let interval: Double
    private let write: @Sendable (String) -> Void
    private let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var lastDraw: Date
    private var logged = false

    /// Progress of `total` steps of the work named `label`, shown as `mode` says (by default a
    /// bar on a terminal, else a log), written by `write` (stderr by default).
    public init(total: Int, label: String, mode: Mode = isatty(STDERR_FILENO) == 1 ? .bar : .log,
                interval: Double = ProgressBar.logInterval,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = max(total, 1)
        self.label = label
        self.mode = mode
        self.interval = interval
        self.write = write
        lastDraw = mode == .bar ? .distantPast : start
    }

    /// Marks `count` more steps done.
    public func advance(_ count: Int = 1) {
        guard mode != .quiet else { return }
        lock.lock(); defer { lock.unlock() }
        done = min(done + count, total)   // work done again (an epoch left out, a retry) does not overshoot
        let now = Date()
        switch mode {
        case .bar:
            guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            let width = 30, filled = min(width, done * width / total)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write(String(format: "\r%@ %@ %d/%d  %.1f/s  %@ left ", label, bar, done, total, rate(now), ProgressBar.clock(left(now))))
        case .log:
            guard now.timeIntervalSince(lastDraw) >= interval, done < total else { return }
            logged = true
            write("dneck-plot: \(label): \(Int(100 * Double(done) / Double(total)))% (\(done)/\(total)), "
                  + "\(ProgressBar.clock(now.timeIntervalSince(start))) elapsed, about \(ProgressBar.clock(left(now))) left\n")
        case .quiet:
            return
        }
        lastDraw = now
    }

    /// Ends the bar's line; in a log that showed progress, says that the work is done.
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        switch mode {
        case .bar: write("\n")
        case .log where logged:
            logged = false
            write("dneck-plot: \(label): done in \(ProgressBar.clock(Date().timeIntervalSince(start)))\n")
        default: break
        }
    }

    private func rate(_ now: Date) -> Double { Double(done) / max(now.timeIntervalSince(start), 1e-9) }
    private func left(_ now: Date) -> Double { Double(total - done) / max(rate(now), 1e-9) }

    private static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
