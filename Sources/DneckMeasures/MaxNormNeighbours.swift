import Foundation

/// Points in a max-norm space: `rows` points of `columns` coordinates, row-major.
struct PointSet: Sendable {
    let rows: Int
    let columns: Int
    let values: [Double]

    /// max_c |a_c − b_c| of rows `a` and `b`.
    func distance(_ a: Int, _ b: Int) -> Double {
        var d = 0.0
        for c in 0..<columns { d = max(d, abs(values[a * columns + c] - values[b * columns + c])) }
        return d
    }
}

/// Exact max-norm neighbour search over the points of some rows of one or more parts (the joint
/// space of X and M is both parts, max(d_X, d_M) its distance, without a joined copy). The points
/// are ordered by their widest coordinate (the one of largest range), so a query sweeps outwards
/// from its own place and stops where that coordinate alone is farther than the radius; each
/// candidate's distance is taken 32 coordinates at a time and stops at the first block beyond the
/// radius (in many dimensions the sweep passes over few points and the blocks rarely stop early:
/// the search is then brute force). Memory: the order; the parts are shared, not copied. Queries
/// run on every core in blocks of rows.
struct MaxNormIndex: Sendable {
    private let parts: [PointSet]
    /// Point → row of the parts.
    private let members: [Int]
    /// Sorted position → point.
    private let order: [Int]
    /// Point → sorted position.
    private let place: [Int]
    /// The sort coordinate in sorted order.
    private let keys: [Double]

    /// The points of `rows` (every row by default) of `parts`, which have the same rows; point p
    /// is row `rows[p]`.
    init(_ parts: [PointSet], rows: [Int]? = nil) {
        self.parts = parts
        let members = rows ?? Array(0..<(parts.first?.rows ?? 0))
        self.members = members
        let columns = parts.flatMap { part in (0..<part.columns).map { (part: part, column: $0) } }
        let widest = columns.max { a, b in Self.range(a.part, a.column, members) < Self.range(b.part, b.column, members) }
        let key = { (p: Int) in widest.map { $0.part.values[members[p] * $0.part.columns + $0.column] } ?? 0 }
        order = members.indices.sorted { (key($0), $0) < (key($1), $1) }
        var place = [Int](repeating: 0, count: members.count)
        for (position, p) in order.enumerated() { place[p] = position }
        self.place = place
        keys = order.map(key)
    }

    init(_ points: PointSet) { self.init([points]) }

    private static func range(_ points: PointSet, _ c: Int, _ rows: [Int]) -> Double {
        var (lo, hi) = (Double.infinity, -Double.infinity)
        for r in rows { let v = points.values[r * points.columns + c]; lo = min(lo, v); hi = max(hi, v) }
        return hi - lo
    }

    /// The distance of sorted positions `p` and `q`, or any value above `bound` once it passes it.
    @inline(__always)
    private func distance(_ p: Int, _ q: Int, bound: Double) -> Double {
        let (a, b) = (members[order[p]], members[order[q]])
        var m = 0.0
        for part in parts {
            let d = part.columns
            m = part.values.withUnsafeBufferPointer { v in Self.maxNorm(v.baseAddress! + a * d, v.baseAddress! + b * d, d, from: m, bound: bound) }
            if m > bound { return m }
        }
        return m
    }

    /// max(`start`, max_c |a_c − b_c|) over `count` coordinates, or any value above `bound` once
    /// it passes it: 32 coordinates at a time in SIMD, each magnitude the difference with its
    /// sign bit cleared (exact, as `abs`), then one by one.
    @inline(__always)
    private static func maxNorm(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int, from start: Double,
                                bound: Double) -> Double {
        let signless = SIMD8<UInt64>(repeating: 0x7FFF_FFFF_FFFF_FFFF)
        var m = start, c = 0
        while c + 32 <= count {
            var block = SIMD8<Double>(repeating: 0)
            for offset in stride(from: c, to: c + 32, by: 8) {
                let difference = UnsafeRawPointer(a + offset).loadUnaligned(as: SIMD8<Double>.self)
                    - UnsafeRawPointer(b + offset).loadUnaligned(as: SIMD8<Double>.self)
                let magnitude = unsafeBitCast(unsafeBitCast(difference, to: SIMD8<UInt64>.self) & signless, to: SIMD8<Double>.self)
                block.replace(with: magnitude, where: magnitude .> block)
            }
            for lane in 0..<8 where block[lane] > m { m = block[lane] }
            if m > bound { return m }
            c += 32
        }
        while c < count { m = max(m, abs(a[c] - b[c])); c += 1 }
        return m
    }

    /// The `k` nearest other points of point `row`, nearest first (k < points).
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

    /// Of the points other than point `row`: how many lie within `radius` (inclusive), and how
    /// many lie within `band` of `edge` (inclusive).
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
