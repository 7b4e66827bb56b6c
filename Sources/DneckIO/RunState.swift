import DneckCore
import Foundation

/// How far a run file has come: the epochs each group has committed and whether its writer is
/// done. What `dneck-plot watch` looks at between two renderings; reads a few bytes.
public struct RunState: Sendable, Equatable {
    /// What the writer says of the run.
    public enum Status: Sendable, Equatable {
        /// A format version 2 run whose writer has not closed it (or died).
        case running
        /// Closed by its writer at the planned end.
        case finished
        /// Closed by its writer before the planned end (an exception in training).
        case stopped
        /// A version 1 run or a deep-bottleneck dump: written whole before anyone reads it.
        case complete

        /// Whether no more epochs will come.
        public var isFinal: Bool { self != .running }
    }

    /// The committed epochs of each group (`train`, `test`, `training`) of a version 2 run; empty otherwise.
    public var epochs: [String: [Int]]
    public var status: Status
    /// The run file's modification time: a writer flushes at each commit.
    public var modified: Date

    /// The state of the run file at `path`.
    public static func probe(_ path: String) throws -> RunState {
        let hdf5 = try HDF5File(path: path)
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
        guard try RunReader.detectLayout(hdf5, file: path) == .dneckRunV2 else {
            return RunState(epochs: [:], status: .complete, modified: modified)
        }
        var epochs: [String: [Int]] = [:]
        for group in ["train", "test", "training"] where try hdf5.kind("/\(group)/epochs") == .dataset {
            epochs[group] = try hdf5.readInt64s("/\(group)/epochs").values.map { Int($0) }
        }
        // A run written without the status dataset says nothing of its end: it is followed as running.
        guard try hdf5.kind("/status") == .dataset else { return RunState(epochs: epochs, status: .running, modified: modified) }
        guard let code = try hdf5.readInt64s("/status").values.first else {
            throw DneckError.badShape(file: path, path: "status", detail: "is empty; expected one value: 0 (running), 1 (finished) or 2 (stopped)")
        }
        let statuses: [Int64: Status] = [0: .running, 1: .finished, 2: .stopped]
        guard let status = statuses[code] else {
            throw DneckError.badShape(file: path, path: "status", detail: "is \(code); expected 0 (running), 1 (finished) or 2 (stopped)")
        }
        return RunState(epochs: epochs, status: status, modified: modified)
    }
}
