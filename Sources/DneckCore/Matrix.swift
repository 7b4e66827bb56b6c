/// A dense row-major matrix of activations: one row per sample, one column per unit.
public struct Matrix: Sendable {
    public let rows: Int
    public let columns: Int
    /// Row-major values, `rows * columns` of them.
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "matrix storage does not match its shape")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The index and value of the first NaN or ±Inf, if any.
    public func firstNonFinite() -> (row: Int, column: Int, value: Double)? {
        let bad = values.withUnsafeBufferPointer { buf -> Int? in
            for i in 0..<buf.count where !buf[i].isFinite { return i }
            return nil
        }
        guard let i = bad else { return nil }
        return (i / max(columns, 1), i % max(columns, 1), values[i])
    }
}
