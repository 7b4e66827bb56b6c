import Foundation

/// Points in a max-norm space: `rows` points of `columns` coordinates, row-major.
struct PointSet: Sendable {
    let rows: Int
    let columns: Int
    let values: [Double]

    /// `out[r·rows + j]` = the max-norm distance of rows `queries.lowerBound` + r and j, for
    /// every j. Candidates go in tiles of about 256 KB that stay in cache while every query
    /// passes over them, four queries per load of a candidate (a short last group repeats its
    /// last query).
    func distances(from queries: Range<Int>, into out: UnsafeMutablePointer<Double>) {
        guard columns > 0 else { out.initialize(repeating: 0, count: queries.count * rows); return }
        let tile = max(16, 32_768 / columns)
        values.withUnsafeBufferPointer { v in
            let base = v.baseAddress!
            for first in stride(from: 0, to: rows, by: tile) {
                for group in stride(from: queries.lowerBound, to: queries.upperBound, by: 4) {
                    let q = { (r: Int) in base + min(group + r, queries.upperBound - 1) * columns }
                    let (q0, q1, q2, q3) = (q(0), q(1), q(2), q(3))
                    let stored = min(4, queries.upperBound - group), row = out + (group - queries.lowerBound) * rows
                    for j in first..<min(rows, first + tile) {
                        let d = Self.maxNorms(q0, q1, q2, q3, base + j * columns, columns)
                        for r in 0..<stored { row[r * rows + j] = d[r] }
                    }
                }
            }
        }
    }

    /// max_c |q_c − p_c| over `count` coordinates for each of four queries q: four coordinates at a
    /// time in SIMD, then one by one.
    @inline(__always)
    private static func maxNorms(_ q0: UnsafePointer<Double>, _ q1: UnsafePointer<Double>, _ q2: UnsafePointer<Double>,
                                 _ q3: UnsafePointer<Double>, _ p: UnsafePointer<Double>, _ count: Int) -> SIMD4<Double> {
        var (m0, m1, m2, m3) = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
        var c = 0
        while c + 4 <= count {
            let b = load(p + c)
            (m0, m1) = (widened(m0, load(q0 + c), b), widened(m1, load(q1 + c), b))
            (m2, m3) = (widened(m2, load(q2 + c), b), widened(m3, load(q3 + c), b))
            c += 4
        }
        var result = SIMD4(m0.max(), m1.max(), m2.max(), m3.max())
        while c < count {
            result = widened(result, SIMD4(q0[c], q1[c], q2[c], q3[c]), SIMD4(repeating: p[c]))
            c += 1
        }
        return result
    }

    @inline(__always)
    private static func load(_ a: UnsafePointer<Double>) -> SIMD4<Double> { UnsafeRawPointer(a).loadUnaligned(as: SIMD4<Double>.self) }

    /// max(m, |a − b|), the magnitude the difference with its sign bit cleared (exact, as `abs`),
    /// written so that the compiler keeps m in its register (maxpd m, x).
    @inline(__always)
    private static func widened(_ m: SIMD4<Double>, _ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> {
        let x = unsafeBitCast(unsafeBitCast(a - b, to: SIMD4<UInt64>.self) & SIMD4(repeating: 0x7FFF_FFFF_FFFF_FFFF), to: SIMD4<Double>.self)
        return x.replacing(with: m, where: m .> x)
    }
}

/// Exact max-norm distances from every point to every point in one or more parts (X and M of
/// the same rows), handed to the caller one query point at a time. Brute force, as the many
/// dimensions of a layer leave nothing to prune: blocks of `blockRows` queries run on every
/// core, each filling a block × N buffer per part (`PointSet.distances`), so memory beyond the
/// parts is parts × `blockRows` × N doubles per running block. The distances are the same float64
/// numbers as max_c |a_c − b_c| taken pair by pair, so counts and ties are those of the definition.
struct MaxNormRows {
    let parts: [PointSet]
    static let blockRows = 64

    /// `body(i, rows)` of every point i, in order, `rows[p][j]` the distance from i to j in part
    /// p (`rows[p][i]` is 0). The buffers are the caller's only for the call.
    func map<R>(_ body: (Int, [UnsafeBufferPointer<Double>]) -> R) -> [R] {
        let n = parts.first?.rows ?? 0
        let blocks = stride(from: 0, to: n, by: Self.blockRows).map { $0..<min(n, $0 + Self.blockRows) }
        return try! parallelMap(blocks) { block in
            let buffers = parts.map { _ in UnsafeMutablePointer<Double>.allocate(capacity: block.count * n) }
            defer { buffers.forEach { $0.deallocate() } }
            for (part, buffer) in zip(parts, buffers) { part.distances(from: block, into: buffer) }
            return block.map { i in
                body(i, buffers.map { UnsafeBufferPointer(start: $0 + (i - block.lowerBound) * n, count: n) })
            }
        }.flatMap { $0 }
    }
}

/// The distance rows of one query point i, with what KSG and Ross ask of them.
struct DistanceRow {
    let i: Int

    /// The `k` nearest of the `candidates` other than i by `distance`, nearest first: the
    /// smallest (distance, index) pairs, so of points at equal distance the lower index when the
    /// candidates come in increasing order.
    @inline(__always)
    func nearest(_ k: Int, among candidates: some Sequence<Int>, by distance: (Int) -> Double) -> [(distance: Double, row: Int)] {
        var best: [(distance: Double, row: Int)] = []
        best.reserveCapacity(k + 1)
        var bound = Double.infinity
        for j in candidates where j != i {
            let d = distance(j)
            guard d < bound || best.count < k else { continue }
            let at = best.firstIndex { $0.distance > d } ?? best.count
            best.insert((d, j), at: at)
            if best.count > k { best.removeLast() }
            if best.count == k { bound = best[k - 1].distance }
        }
        return best
    }

    /// Of the `candidates` other than i: how many lie within `radius` (inclusive) by `row`, and
    /// how many within `band` of `edge` (inclusive).
    @inline(__always)
    func count(_ row: UnsafeBufferPointer<Double>, among candidates: some Sequence<Int>, within radius: Double, edge: Double,
               band: Double) -> (inside: Int, near: Int) {
        var (inside, near) = (0, 0)
        for j in candidates where j != i {
            let d = row[j]
            if d <= radius { inside += 1 }
            if abs(d - edge) <= band { near += 1 }
        }
        return (inside, near)
    }
}
