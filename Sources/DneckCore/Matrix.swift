/// A dense row-major matrix of activations: one row per sample, one column per unit. Values
/// stay in the precision they were logged in (float32 runs are not widened in memory).
public struct Matrix: Sendable {
    /// Row-major values in their stored precision.
    public enum Storage: Sendable {
        case float32([Float])
        case float64([Double])
    }

    public let rows: Int
    public let columns: Int
    public let storage: Storage

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "matrix storage does not match its shape")
        self.rows = rows
        self.columns = columns
        storage = .float64(values)
    }

    public init(rows: Int, columns: Int, float32 values: [Float]) {
        precondition(values.count == rows * columns, "matrix storage does not match its shape")
        self.rows = rows
        self.columns = columns
        storage = .float32(values)
    }

    /// The values widened to float64 (exactly).
    public var values: [Double] {
        switch storage {
        case .float32(let v): return v.map(Double.init)
        case .float64(let v): return v
        }
    }

    /// Calls `body` with every value as a float64, in row-major order.
    @inlinable
    public func forEachValue(_ body: (Int, Double) -> Void) {
        switch storage {
        case .float32(let v): v.withUnsafeBufferPointer { b in for i in 0..<b.count { body(i, Double(b[i])) } }
        case .float64(let v): v.withUnsafeBufferPointer { b in for i in 0..<b.count { body(i, b[i]) } }
        }
    }

    /// The index and value of the first NaN or ±Inf, if any.
    public func firstNonFinite() -> (row: Int, column: Int, value: Double)? {
        var bad: (Int, Double)?
        switch storage {
        case .float32(let v): if !Matrix.allFinite(v), let i = v.firstIndex(where: { !$0.isFinite }) { bad = (i, Double(v[i])) }
        case .float64(let v): if !Matrix.allFinite(v), let i = v.firstIndex(where: { !$0.isFinite }) { bad = (i, v[i]) }
        }
        guard let (i, value) = bad else { return nil }
        return (i / max(columns, 1), i % max(columns, 1), value)
    }

    /// Whether every value is finite: a − a is 0 for finite a and NaN otherwise, summed in four
    /// independent lanes (no early exit, no branch per value).
    @inline(__always)
    static func allFinite<T: BinaryFloatingPoint>(_ values: [T]) -> Bool {
        values.withUnsafeBufferPointer { v in
            var (p0, p1, p2, p3): (T, T, T, T) = (0, 0, 0, 0)
            var i = 0
            while i + 4 <= v.count {
                p0 += v[i] - v[i]; p1 += v[i + 1] - v[i + 1]; p2 += v[i + 2] - v[i + 2]; p3 += v[i + 3] - v[i + 3]
                i += 4
            }
            while i < v.count { p0 += v[i] - v[i]; i += 1 }
            return p0 + p1 + p2 + p3 == 0
        }
    }
}
