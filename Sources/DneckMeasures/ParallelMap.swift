import Foundation

/// `transform` over `items` on every core, results in order. The first error in item order
/// is thrown, so the message does not depend on scheduling.
func parallelMap<T, R>(_ items: [T], _ transform: (T) throws -> R) throws -> [R] {
    var results = [Result<R, Error>?](repeating: nil, count: items.count)
    let lock = NSLock()
    results.withUnsafeMutableBufferPointer { slots in
        let slots = slots
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let r = Result { try transform(items[i]) }
            lock.lock(); slots[i] = r; lock.unlock()
        }
    }
    return try results.map { try $0!.get() }
}
