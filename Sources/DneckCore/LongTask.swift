import Foundation

/// Runs `body` on a thread of its own (with an 8 MiB stack, as the main thread's), entering
/// `group` now and leaving it when `body` returns: for long work that blocks waiting on other
/// threads, which would starve the dispatch pool.
public func startLongTask(in group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
    group.enter()
    let thread = Thread {
        body()
        group.leave()
    }
    thread.stackSize = 8 << 20
    thread.start()
}
