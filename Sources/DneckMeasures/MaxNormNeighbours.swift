import Foundation

/// Points in a max-norm space: `rows` points of `columns` coordinates, row-major.
struct PointSet: Sendable {
    let rows: Int
    let columns: Int
    let values: [Double]

    /// The points of `rows`, in that order.
    func selecting(_ rows: [Int]) -> PointSet {
        PointSet(rows: rows.count, columns: columns, values: rows.flatMap { values[$0 * columns..<($0 + 1) * columns] })
    }

    /// Each row followed by the same row of `other`: the joint space.
    func besides(_ other: PointSet) -> PointSet {
        var joined: [Double] = []
        joined.reserveCapacity(rows * (columns + other.columns))
        for r in 0..<rows {
            joined += values[r * columns..<(r + 1) * columns]
            joined += other.values[r * other.columns..<(r + 1) * other.columns]
        }
        return PointSet(rows: rows, columns: columns + other.columns, values: joined)
    }

    /// max_c |a_c − b_c| of rows `a` and `b`.
    func distance(_ a: Int, _ b: Int) -> Double {
        var d = 0.0
        for c in 0..<columns { d = max(d, abs(values[a * columns + c] - values[b * columns + c])) }
        return d
    }
}

/// Exact max-norm neighbour search: the points sorted by their widest coordinate (the one of
/// largest range), so a query sweeps outwards from its own place and stops where that
/// coordinate alone is farther than the radius; each candidate's distance stops at the first
/// coordinate beyond it. Memory: one sorted copy of the points. Queries run on every core in
/// blocks of rows.
struct MaxNormIndex: Sendable {
    let points: PointSet
    /// Sorted position → row.
    private let order: [Int]
    /// Row → sorted position.
    private let place: [Int]
    /// The points in sorted order, row-major.
    private let sorted: [Double]
    /// The sort coordinate in sorted order.
    private let keys: [Double]

    init(_ points: PointSet) {
        self.points = points
        let (n, d) = (points.rows, points.columns)
        let widest = (0..<d).max { a, b in Self.range(points, a) < Self.range(points, b) } ?? 0
        let key = { (r: Int) in d == 0 ? 0 : points.values[r * d + widest] }
        order = (0..<n).sorted { (key($0), $0) < (key($1), $1) }
        var place = [Int](repeating: 0, count: n)
        for (p, r) in order.enumerated() { place[r] = p }
        self.place = place
        sorted = order.flatMap { points.values[$0 * d..<($0 + 1) * d] }
        keys = order.map(key)
    }

    private static func range(_ points: PointSet, _ c: Int) -> Double {
        var (lo, hi) = (Double.infinity, -Double.infinity)
        for r in 0..<points.rows { let v = points.values[r * points.columns + c]; lo = min(lo, v); hi = max(hi, v) }
        return hi - lo
    }

    /// The distance of sorted positions `p` and `q`, or any value above `bound` once it passes it.
    @inline(__always)
    private func distance(_ p: Int, _ q: Int, bound: Double) -> Double {
        let d = points.columns
        var m = 0.0
        for c in 0..<d {
            m = max(m, abs(sorted[p * d + c] - sorted[q * d + c]))
            if m > bound { return m }
        }
        return m
    }

    /// The `k` nearest other points of `row`, nearest first, as rows (k < rows).
    func nearest(_ row: Int, k: Int) -> [(distance: Double, row: Int)] {
        let p = place[row]
        var best: [(distance: Double, row: Int)] = []
        best.reserveCapacity(k + 1)
        var (left, right) = (p - 1, p + 1)
        while left >= 0 || right < keys.count {
            let gapLeft = left >= 0 ? keys[p] - keys[left] : .infinity
            let gapRight = right < keys.count ? keys[right] - keys[p] : .infinity
            let q: Int
            if gapLeft <= gapRight { q = left; left -= 1 } else { q = right; right += 1 }
            let bound = best.count == k ? best[k - 1].distance : .infinity
            if min(gapLeft, gapRight) >= bound { break }
            let d = distance(p, q, bound: bound)
            guard d < bound else { continue }
            let entry = (distance: d, row: order[q])
            let at = best.firstIndex { $0.distance > d } ?? best.count
            best.insert(entry, at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    /// Of the points other than `row`: how many lie within `radius` (inclusive), and how many
    /// lie within `band` of `edge` (inclusive).
    func count(_ row: Int, within radius: Double, edge: Double, band: Double) -> (inside: Int, near: Int) {
        let p = place[row]
        let reach = max(radius, edge + band)
        var (inside, near) = (0, 0)
        for step in [-1, 1] {
            var q = p + step
            while q >= 0, q < keys.count, abs(keys[q] - keys[p]) <= reach {
                let d = distance(p, q, bound: reach)
                if d <= radius { inside += 1 }
                if abs(d - edge) <= band { near += 1 }
                q += step
            }
        }
        return (inside, near)
    }
}

/// `body` of every row of `0..<rows`, on every core in blocks, results in row order.
func parallelRows<R>(_ rows: Int, block: Int = 256, _ body: (Int) -> R) -> [R] {
    let blocks = stride(from: 0, to: rows, by: block).map { $0..<min(rows, $0 + block) }
    return try! parallelMap(blocks) { $0.map(body) }.flatMap { $0 }
}
