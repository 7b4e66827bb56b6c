import Foundation

/// How far a run being written has come, as the live report of `dneck-plot watch` says it.
public struct LiveStatus: Sendable, Equatable {
    /// The run file's name.
    public var file: String
    /// The last epoch committed (nil before the first).
    public var lastEpoch: Int?
    /// When it was committed (the run file's modification time: the writer flushes at each commit).
    public var committed: Date
    /// Seconds between the page's reloads.
    public var refreshSeconds: Int

    public init(file: String, lastEpoch: Int?, committed: Date, refreshSeconds: Int) {
        self.file = file; self.lastEpoch = lastEpoch; self.committed = committed; self.refreshSeconds = refreshSeconds
    }
}
