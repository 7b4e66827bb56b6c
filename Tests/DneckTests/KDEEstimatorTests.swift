import DneckCore
import DneckIO
@testable import DneckMeasures
import XCTest

final class KDEEstimatorTests: XCTestCase {
    /// Both bounds, every layer of both splits of the shared run (train: four epochs from
    /// initialisation to the end, to keep the debug-built test short; test: every epoch),
    /// against the numpy reference's committed numbers (1e-6 relative).
    func testBoundsMatchReferenceOnSharedRun() throws {
        try ReferenceNumbers.assertAgreeOnSharedRun(["kde-upper", "kde-lower"], trainEpochs: [0, 20, 320, 980])
    }

    /// N points far apart carry log2 N bits about X as σ² → 0 (one class each: also H(Y) about Y).
    func testSeparatedPointsTendToLog2N() throws {
        let n = 8
        let values = (0..<n).flatMap { i in [Double(i), Double(i % 3)] }   // every pair at distance ≥ 1
        let m = Matrix(rows: n, columns: 2, values: values)
        let wide = try KDEEstimator(noiseVariance: 1).estimate(m, labels: Array(0..<n))
        XCTAssertLessThan(wide.ixm, 2.5)   // kernels wider than the gaps blur the points together
        var previous = -1.0
        for variance in [1.0, 0.3, 0.1, 0.03, 0.01, 1e-3] {
            let mi = try KDEEstimator(bound: .both, noiseVariance: variance).estimate(m, labels: Array(0..<n))
            XCTAssertGreaterThanOrEqual(mi.ixm, previous, "σ² = \(variance)")
            XCTAssertLessThanOrEqual(mi.ixm, 3 + 1e-12)
            previous = mi.ixm
        }
        for bound in [KDEEstimator.Bound.upper, .lower] {
            let mi = try KDEEstimator(bound: bound, noiseVariance: 1e-3).estimate(m, labels: Array(0..<n))
            XCTAssertEqual(mi.ixm, 3, accuracy: 1e-12, "\(bound)")
            XCTAssertEqual(mi.iym, 3, accuracy: 1e-12, "\(bound)")
        }
    }

    /// The same points pulled together carry nothing.
    func testMergingPointsTendToZero() throws {
        let base = (0..<10).flatMap { i in [Double(i), Double(i * i % 7)] }
        var previous = Double.infinity
        for scale in [1.0, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6] {
            let m = Matrix(rows: 10, columns: 2, values: base.map { $0 * scale })
            let mi = try KDEEstimator(noiseVariance: 1e-3).estimate(m, labels: (0..<10).map { $0 % 2 })
            XCTAssertLessThan(mi.ixm, previous, "scale \(scale)")
            previous = mi.ixm
        }
        XCTAssertEqual(previous, 0, accuracy: 1e-7)
    }

    /// lower ≤ upper, I(X;M) ≤ log2 N and I(Y;M) ≤ H(Y), over noise levels and random layers
    /// (including repeated rows, which the bounds count as one point).
    func testBoundsStayOrderedAndUnderTheirCeilings() throws {
        var generator = SplitMix64(seed: 3)
        for trial in 0..<6 {
            let rows = 40 + trial * 7, columns = 1 + trial
            var values = (0..<rows * columns).map { _ in Double(generator.next() % 1000) / 500 }
            values.replaceSubrange(0..<columns, with: values[columns..<2 * columns])   // rows 0 and 1 equal
            let labels = (0..<rows).map { ($0 * 7 + trial) % 3 }
            for variance in [1e-4, 1e-3, 0.1, 10] {
                let mi = try KDEEstimator(bound: .both, noiseVariance: variance)
                    .estimate(Matrix(rows: rows, columns: columns, values: values), labels: labels)
                let lower = try XCTUnwrap(mi.lowerBound)
                XCTAssertLessThanOrEqual(lower.ixm, mi.ixm + 1e-12)
                XCTAssertLessThanOrEqual(mi.ixm, log2(Double(rows)) + 1e-12)
                XCTAssertLessThanOrEqual(mi.iym, try XCTUnwrap(mi.ceilingY) + 1e-12)
                XCTAssertGreaterThanOrEqual(lower.iym, -1e-12)
                XCTAssertEqual(mi.ceilingX, log2(Double(rows)))
            }
        }
    }

    /// Nearly identical rows of large values: the tiled GEMM distance is ≥ 0 and close to the
    /// direct one, and a row equal to another is at distance 0 from it.
    func testNearlyIdenticalRowsKeepTheirSmallDistance() {
        let columns = 1000
        let a = (0..<columns).map { 5 + Double($0 % 17) / 3 }
        var b = a
        for k in [3, 500, 999] { b[k] += 1e-5 }
        let m = Matrix(rows: 4, columns: columns, values: a + b + a + a.map { $0 + 1 })
        let d = allDistances(PairwiseDistances(m, tile: 2))
        XCTAssertGreaterThanOrEqual(d[0][2], 0)
        XCTAssertEqual(d[0][2], 0, accuracy: 1e-18)
        XCTAssertEqual(d[0][1], 3e-10, accuracy: 3e-10 * 1e-3)
        XCTAssertEqual(d[1][2], 3e-10, accuracy: 3e-10 * 1e-3)
        XCTAssertEqual(d[0][3], Double(columns), accuracy: 1e-9)
    }

    /// Every tile size, partial last tiles included, gives the direct distances and kernel sums.
    func testTilesAgreeWithDirectComputation() {
        var generator = SplitMix64(seed: 9)
        let rows = 23, columns = 5
        let values = (0..<rows * columns).map { _ in Double(generator.next() % 2000) / 1000 - 1 }
        let labels = (0..<rows).map { $0 % 4 }
        let m = Matrix(rows: rows, columns: columns, values: values)
        func direct(_ i: Int, _ j: Int) -> Double { (0..<columns).map { values[i * columns + $0] - values[j * columns + $0] }.map { $0 * $0 }.reduce(0, +) }
        let variance = 0.05
        for tile in [1, 4, 7, 23, 64] {
            let distances = PairwiseDistances(m, tile: tile)
            let d = allDistances(distances)
            for i in 0..<rows { for j in 0..<rows { XCTAssertEqual(d[i][j], direct(i, j), accuracy: 1e-12, "tile \(tile)") } }
            let sums = KernelSums(distances, classes: labels, noiseVariance: variance)
            for i in 0..<rows {
                let upper = (0..<rows).map { exp(-direct(i, $0) / (2 * variance)) }, lower = (0..<rows).map { exp(-direct(i, $0) / (8 * variance)) }
                let sameClass = (0..<rows).filter { labels[$0] == labels[i] }
                XCTAssertEqual(sums.upper[i], upper.reduce(0, +), accuracy: 1e-12)
                XCTAssertEqual(sums.lower[i], lower.reduce(0, +), accuracy: 1e-12)
                XCTAssertEqual(sums.upperWithinClass[i], sameClass.map { upper[$0] }.reduce(0, +), accuracy: 1e-12)
                XCTAssertEqual(sums.lowerWithinClass[i], sameClass.map { lower[$0] }.reduce(0, +), accuracy: 1e-12)
            }
        }
    }

    /// A wide layer (sketched, so far tile pairs are skipped) of tight clusters far apart: the
    /// kernel sums are the direct ones, and the sketch's nearest distance never exceeds the true.
    func testSkippedTilesLoseNothing() {
        var generator = SplitMix64(seed: 5)
        let rows = 96, columns = 160
        let centres = (0..<6).map { _ in (0..<columns).map { _ in generator.nextUnit() * 4 } }
        let values = (0..<rows).flatMap { r in centres[r / 16].map { $0 + generator.nextUnit() * 0.01 } }   // 16 rows per cluster
        let labels = (0..<rows).map { $0 % 3 }
        let distances = PairwiseDistances(Matrix(rows: rows, columns: columns, values: values), tile: 8)
        XCTAssertNotNil(distances.sketch)
        func direct(_ i: Int, _ j: Int) -> Double { (0..<columns).map { values[i * columns + $0] - values[j * columns + $0] }.map { $0 * $0 }.reduce(0, +) }
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 64)
        defer { scratch.deallocate() }
        var skipped = 0
        for pair in distances.tilePairs where pair.i != pair.j {
            let (a, b) = (distances.tileRows(pair.i), distances.tileRows(pair.j))
            let bound = distances.sketch!.nearest(a, b, into: scratch)
            let exact = a.flatMap { i in b.map { direct(i, $0) } }.min()!
            XCTAssertLessThanOrEqual(bound, exact)
            if bound > 50 * 8 * 1e-3 { skipped += 1 }
        }
        XCTAssertEqual(skipped, 60)   // of 66 off-diagonal tile pairs, all 60 across clusters
        let variance = 1e-3
        let sums = KernelSums(distances, classes: labels, noiseVariance: variance)
        for i in 0..<rows {
            let upper = (0..<rows).map { exp(-direct(i, $0) / (2 * variance)) }
            let sameClass = (0..<rows).filter { labels[$0] == labels[i] }
            // GEMM distances of rows of norm² ≈ 200, magnified by 1/(2σ²) = 500: ~1e-11 relative
            XCTAssertEqual(sums.upper[i], upper.reduce(0, +), accuracy: 1e-9 * sums.upper[i])
            XCTAssertEqual(sums.upperWithinClass[i], sameClass.map { upper[$0] }.reduce(0, +), accuracy: 1e-9 * sums.upper[i])
        }
    }

    /// Screened sums (float32 screen, float64 for the pairs it leaves) equal the plain float64
    /// sums to 1e-9 relative on a wide layer of tight clusters (centres about 33 apart in D) at
    /// every noise level, from σ² where only the clusters count to σ² = 10 where every pair does
    /// and every tile pair falls back to the float64 tile.
    func testScreenedSumsEqualPlainFloat64OnClusters() {
        var generator = SplitMix64(seed: 21)
        let rows = 300, columns = 200
        let centres = (0..<30).map { _ in (0..<columns).map { _ in generator.nextUnit() } }
        let values = (0..<rows).flatMap { r in centres[r % 30].map { $0 + (generator.nextUnit() - 0.5) * 0.05 } }
        let m = Matrix(rows: rows, columns: columns, values: values)
        let labels = (0..<rows).map { $0 % 7 }
        let sparseTiles = assertScreenedSumsEqualPlain(m, labels: labels, variances: [1e-3, 0.01, 0.1, 1, 10], tile: 32)
        XCTAssertGreaterThan(sparseTiles[1e-3]!, 0)
        XCTAssertGreaterThan(sparseTiles[0.01]!, 0)
        XCTAssertEqual(sparseTiles[10], 0)
    }

    /// The same on the 256-unit layer of a freshly trained 10-class gaussian-mixture run
    /// (2,400 train samples), first and last epoch, and on its 20-unit layer (not screened).
    func testScreenedSumsEqualPlainFloat64OnFreshRun() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try freshMixtureRun(in: folder, architecture: "256,20", epochs: 3, logged: "0,2", seed: 4)
        let reader = try RunReader(path: run, split: .train)
        for epoch in [0, 2] {
            for layer in [0, 1] {
                let sparse = assertScreenedSumsEqualPlain(try reader.activations(epoch: epoch, layer: layer),
                                                          labels: reader.labels, variances: [1e-3, 0.1, 1, 10])
                XCTAssertEqual(sparse[10], 0)
                if layer == 0 { XCTAssertGreaterThan(sparse[0.1]!, 0) }
            }
        }
    }

    /// Rows of large norm at distances D from 0.3 to 3 around the limit 1: the screen keeps
    /// every pair whose float64 distance is within the limit. At ‖x‖² ≈ 4,300 it proves most of
    /// the others beyond it; at ‖x‖² ≈ 7·10⁶ float32 rounds their distances by far more than
    /// their gaps to the limit, and it proves none.
    func testScreenKeepsEveryPairWithinTheLimit() throws {
        for (scale, provesMost) in [(10.0, true), (400.0, false)] {
            var generator = SplitMix64(seed: 8)
            let rows = 64, columns = 512
            let base = (0..<columns).map { _ in (generator.nextUnit() - 0.5) * scale }
            let spread = (0..<rows).map { 0.022 * Double($0 % 8 + 2) }   // row r's own offsets, within ±spread[r] / 2
            let set = RowSet(rows: rows, columns: columns,
                             values: (0..<rows).flatMap { r in base.map { $0 + (generator.nextUnit() - 0.5) * spread[r] } })
            let screen = try XCTUnwrap(Float32Screen(set))
            let (count, within, beyond) = try screenedPairs(set, label: "scale \(scale)") {
                screen.candidates(within: Self.screenLimit, 0..<rows, 0..<rows, $0, capacity: rows * rows)
            }
            XCTAssertEqual(count - rows < within + beyond / 2, provesMost, "scale \(scale)")
        }
    }

    /// Rows whose differences lie in the span of the projected screen's directions, at distances
    /// D from 0.15 to 3 around the limit 1: the projection keeps their distances, so the
    /// projected screen proves most pairs beyond the limit, and keeps every pair within it.
    func testProjectedScreenKeepsEveryPairWithinTheLimit() throws {
        var generator = SplitMix64(seed: 13)
        let rows = 64, columns = 512, width = columns / ProjectedScreen.reduction
        let directions = RowSet.directions(width, in: columns)
        let base = (0..<columns).map { _ in (generator.nextUnit() - 0.5) * 10 }
        let spread = (0..<rows).map { 0.06 * Double($0 % 8 + 2) }   // row r's coefficients, within ±spread[r] / 2
        let values = (0..<rows).flatMap { r in
            let coefficients = (0..<width).map { _ in (generator.nextUnit() - 0.5) * spread[r] }
            return (0..<columns).map { c in base[c] + (0..<width).reduce(0) { $0 + coefficients[$1] * directions[$1 * columns + c] } }
        }
        let set = RowSet(rows: rows, columns: columns, values: values)
        let screen = try XCTUnwrap(ProjectedScreen(set))
        let (count, within, beyond) = try screenedPairs(set, label: "projected") {
            screen.candidates(within: Self.screenLimit, 0..<rows, 0..<rows, $0, capacity: rows * rows)
        }
        XCTAssertLessThan(count - rows, within + beyond / 2)
    }

    /// A 10-class gaussian-mixture run (3,000 samples of 784 features, 2,400 for training) freshly
    /// trained by ../shared/tools/train_runs.py into `folder`; skips the test without it.
    private func freshMixtureRun(in folder: URL, architecture: String, epochs: Int, logged: String, seed: Int) throws -> String {
        let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: trainer), "../shared/tools/train_runs.py is not beside the package")
        let run = folder.appendingPathComponent("mixture-\(architecture).h5").path
        try ReferenceNumbers.python([trainer, "--out", run, "--dataset", "gaussian_mixture", "--n-classes", "10",
                                     "--n-samples", "3000", "--n-features", "784", "--architecture", architecture,
                                     "--activation", "relu", "--epochs", "\(epochs)", "--log-epochs", logged, "--seed", "\(seed)"])
        return run
    }

    /// The limit of the screen tests.
    private static let screenLimit = 1.0

    /// Runs a screen of all rows of `set` against themselves (`candidates` fills the scratch it
    /// is given) and checks that it keeps every pair within `screenLimit`, of which there must be
    /// over 100, as over 100 beyond; returns how many it kept (the diagonal included) and the
    /// numbers of pairs within and beyond the limit.
    private func screenedPairs(_ set: RowSet, label: String, _ candidates: (ScreenScratch) -> Int?) throws
        -> (kept: Int, within: Int, beyond: Int) {
        var within: [(Int, Int)] = [], beyond = 0
        for i in 0..<set.rows {
            for j in (i + 1)..<set.rows { if set.distance(i, j) <= Self.screenLimit { within.append((i, j)) } else { beyond += 1 } }
        }
        XCTAssertGreaterThan(within.count, 100, label)
        XCTAssertGreaterThan(beyond, 100, label)
        let scratch = ScreenScratch(tile: set.rows, columns: set.columns)
        defer { scratch.deallocate() }
        let count = try XCTUnwrap(candidates(scratch), label)
        let kept = Set((0..<count).map { scratch.entries[$0].row * 1000 + scratch.entries[$0].column })
        for (i, j) in within { XCTAssertTrue(kept.contains(Int32(i * 1000 + j)), "\(label): pair \(i), \(j) at \(set.distance(i, j))") }
        return (count, within.count, beyond)
    }

    /// Both bounds of the 512-unit layer of a freshly trained 10-class gaussian-mixture run
    /// (2,400 train samples) equal the numpy reference's to 1e-9 relative: at σ² = 0.1, where the
    /// projected screen alone leaves tile pairs sparse, and at σ² = 10, where every pair counts
    /// and every tile pair is done whole.
    func testProjectedScreenMatchesNumpyWhereItSkipsAndWhereItCannot() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try freshMixtureRun(in: folder, architecture: "512,20", epochs: 2, logged: "1", seed: 6)
        let reader = try RunReader(path: run, split: .train)
        let layer = try reader.activations(epoch: 1, layer: 0)
        let distances = PairwiseDistances(layer)
        XCTAssertNotNil(distances.projectedScreen)
        for (variance, skips) in [(0.1, true), (10, false)] {
            let numbers = folder.appendingPathComponent("numpy-\(variance).csv")
            try ReferenceNumbers.python([ReferenceNumbers.script, run, "--estimators", "kde-upper,kde-lower", "--epochs", "1",
                                         "--layers", "0", "--noise-variance", "\(variance)", "-o", numbers.path])
            let reference = try ReferenceNumbers.read(numbers)
            let ours = try KDEEstimator(bound: .both, noiseVariance: variance).estimate(layer, labels: reader.labels)
            let lower = try XCTUnwrap(ours.lowerBound)
            for (row, mine) in zip(reference, [(ours.ixm, ours.iym), (lower.ixm, lower.iym)]) {
                XCTAssertEqual(mine.0, row.ixm, accuracy: 1e-9 * abs(row.ixm), "\(row.estimator) I(X;M), σ² = \(variance)")
                XCTAssertEqual(mine.1, row.iym, accuracy: 1e-9 * abs(row.iym), "\(row.estimator) I(Y;M), σ² = \(variance)")
            }
            XCTAssertEqual(reference.map(\.estimator), ["kde-upper", "kde-lower"])
            let (sparse, whole) = projectedSparseAndWholeTilePairs(distances, within: KernelSums.negligibleExponent * 8 * variance)
            XCTAssertEqual(sparse > 0, skips, "σ² = \(variance): \(sparse) tile pairs left sparse by the projected screen")
            XCTAssertEqual(whole == distances.tilePairs.count, !skips, "σ² = \(variance): \(whole) tile pairs done whole")
        }
    }

    /// Of the tile pairs of `distances`, how many the projected screen would leave sparse, and how many
    /// `forEachTilePair` hands over whole.
    private func projectedSparseAndWholeTilePairs(_ distances: PairwiseDistances, within limit: Double) -> (Int, Int) {
        let scratch = ScreenScratch(tile: distances.tile, columns: distances.centred.columns)
        defer { scratch.deallocate() }
        let sparse = distances.tilePairs.filter { pair in
            let (a, b) = (distances.tileRows(pair.i), distances.tileRows(pair.j))
            let capacity = Int(PairwiseDistances.sparseShare * Double(a.count * b.count)) + a.count   // as `forEachTilePair`
            return distances.projectedScreen!.screen()!.candidates(within: limit, a, b, scratch, capacity: capacity) != nil
        }.count
        let lock = NSLock()
        var whole = 0
        distances.forEachTilePair(within: limit) { _, tile in
            if case .dense = tile { lock.lock(); whole += 1; lock.unlock() }
        }
        return (sparse, whole)
    }

    /// Asserts that the kernel sums with and without the float32 screen agree to 1e-9 relative
    /// at each variance (and so do both bounds); returns the number of tile pairs the screen
    /// left sparse at each.
    @discardableResult
    private func assertScreenedSumsEqualPlain(_ m: Matrix, labels: [Int], variances: [Double], tile: Int? = nil,
                                              file: StaticString = #filePath, line: UInt = #line) -> [Double: Int] {
        let classes = ClassCounts(labels).labels
        let screened = PairwiseDistances(m, tile: tile), plain = PairwiseDistances(m, tile: tile, screening: false)
        var sparseTiles: [Double: Int] = [:]
        for variance in variances {
            let limit = KernelSums.negligibleExponent * 8 * variance
            let lock = NSLock()
            var sparse = 0
            screened.forEachTilePair(within: limit) { _, tile in
                if case .sparse = tile { lock.lock(); sparse += 1; lock.unlock() }
            }
            sparseTiles[variance] = sparse
            let a = KernelSums(screened, classes: classes, noiseVariance: variance)
            let b = KernelSums(plain, classes: classes, noiseVariance: variance)
            for (x, y) in [(a.upper, b.upper), (a.lower, b.lower), (a.upperWithinClass, b.upperWithinClass),
                           (a.lowerWithinClass, b.lowerWithinClass)] {
                let worst = zip(x, y).map { abs($0 - $1) / $1 }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-9, "σ² = \(variance)", file: file, line: line)
            }
        }
        return sparseTiles
    }

    /// The same layer gives the same bits every time, whatever the scheduling of the tiles.
    func testNumbersDoNotDependOnScheduling() throws {
        var generator = SplitMix64(seed: 1)
        let m = Matrix(rows: 700, columns: 3, values: (0..<2100).map { _ in Double(generator.next() % 10_000) / 10_000 })
        let labels = (0..<700).map { $0 % 5 }
        let estimator = try KDEEstimator(bound: .both, noiseVariance: 1e-3)
        let first = estimator.estimate(m, labels: labels)
        for _ in 0..<3 { XCTAssertEqual(estimator.estimate(m, labels: labels), first) }
    }

    func testSummaryAndInvalidNoiseVariance() throws {
        XCTAssertEqual(try KDEEstimator(bound: .upper).summary, "KDE upper bound, σ² = 0.001")
        XCTAssertEqual(try KDEEstimator(bound: .lower, noiseVariance: 0.1).summary, "KDE lower bound, σ² = 0.1")
        XCTAssertEqual(try KDEEstimator(bound: .both).summary, "KDE bounds, σ² = 0.001")
        for bad in [0, -1, Double.nan, .infinity] {
            XCTAssertThrowsError(try KDEEstimator(noiseVariance: bad)) { error in
                XCTAssertTrue("\(error)".hasPrefix("--noise-variance: must be a positive number"), "\(error)")
            }
        }
    }

    func testEmptyAndZeroUnitLayersCarryNothing() throws {
        let estimator = try KDEEstimator(bound: .both)
        let none = estimator.estimate(Matrix(rows: 0, columns: 3, values: []), labels: [])
        XCTAssertEqual([none.ixm, none.iym], [0, 0])
        let zeroUnits = estimator.estimate(Matrix(rows: 4, columns: 0, values: []), labels: [0, 1, 0, 1])
        XCTAssertEqual(zeroUnits.ixm, 0, accuracy: 1e-15)
        XCTAssertEqual(zeroUnits.iym, 0, accuracy: 1e-15)
    }

    /// distances[i][j] for every pair, from the tiles (upper triangle mirrored).
    private func allDistances(_ distances: PairwiseDistances) -> [[Double]] {
        var d = [[Double]](repeating: [Double](repeating: -1, count: distances.rows), count: distances.rows)
        let lock = NSLock()
        distances.forEachTilePair { pair, distancesOfPair in
            guard case .dense(let tile) = distancesOfPair else { return XCTFail("a sparse tile without a limit") }
            let (a, b) = (distances.tileRows(pair.i), distances.tileRows(pair.j))
            lock.lock(); defer { lock.unlock() }
            for (r, i) in a.enumerated() {
                for (c, j) in b.enumerated() where pair.i != pair.j || c >= r {
                    d[i][j] = tile[r * b.count + c]; d[j][i] = tile[r * b.count + c]
                }
            }
        }
        return d
    }
}
