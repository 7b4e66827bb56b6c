import DneckCore
import DneckIO
@testable import DneckMeasures
import Foundation
import XCTest

/// Goldfeld et al.'s SP estimator: the numpy/scipy reference (`Tests/reference/sp_reference.py`)
/// on the same draws, numerical quadrature in one dimension, closed forms, the KDE bounds around
/// it, a wide layer whose far tiles are skipped, and the command line.
final class SPTests: XCTestCase {
    /// The committed run's test split against `sp_expected.csv`, values and standard errors to
    /// 1e-9 relative: the defaults, and β = 0.5 with 2 draws per sample under seed 7.
    func testMatchesReferenceOnCommittedRun() throws {
        let configurations = [("sp", try SPEstimator()), ("sp-wide", try SPEstimator(noiseStd: 0.5, mcSamples: 2, seed: 7))]
        let expected = try String(contentsOf: KernelReference.folder.appendingPathComponent("sp_expected.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let reader = try RunReader(path: KernelReference.committedRun, split: .test)
        for (name, estimator) in configurations {
            let rows = expected.filter { $0[0] == name }
            XCTAssertFalse(rows.isEmpty)
            for row in rows {
                let mi = estimator.estimate(try reader.activations(epoch: Int(row[1])!, layer: Int(row[2])!), labels: reader.labels)
                let values = [mi.ixm, mi.iym, mi.standardError!.ixm, mi.standardError!.iym]
                for (value, text) in zip(values, row.dropFirst(3)) {
                    let reference = Double(text)!
                    XCTAssertEqual(value, reference, accuracy: 1e-9 * abs(reference), "\(name) epoch \(row[1]) layer \(row[2])")
                }
            }
        }
    }

    /// Four 1-D samples, two classes, β = 0.4: h(T) and each class's h(T | Y = c) by Simpson's
    /// rule over [−4, 5.6] (20,000 intervals; the mixtures are below 1e-40 beyond), then
    /// I(X;T) = h(T) − ½ ln(2πeβ²) and I(Y;T) = h(T) − Σ_c p_c h(T | Y = c). SP with 2,000 draws
    /// per sample must be within 4 standard errors of both, and the errors below 0.01 bits.
    func testAgreesWithQuadratureInOneDimension() throws {
        let centres = [0.0, 0.3, 1.5, 1.6], labels = [0, 0, 1, 1], beta = 0.4
        func entropy(_ members: [Double]) -> Double {
            let (lo, hi, intervals) = (-4.0, 5.6, 20_000)
            let step = (hi - lo) / Double(intervals)
            var total = 0.0
            for k in 0...intervals {
                let t = lo + Double(k) * step
                let g = members.reduce(0) { $0 + exp(-(t - $1) * (t - $1) / (2 * beta * beta)) } / (Double(members.count) * (2 * Double.pi).squareRoot() * beta)
                let weight: Double = k == 0 || k == intervals ? 1 : (k % 2 == 1 ? 4 : 2)
                total += weight * (g > 0 ? -g * log(g) : 0)
            }
            return total * step / 3
        }
        let whole = entropy(centres)
        let ixm = (whole - 0.5 * log(2 * Double.pi * M_E * beta * beta)) / M_LN2
        let iym = (whole - 0.5 * entropy([0, 0.3]) - 0.5 * entropy([1.5, 1.6])) / M_LN2
        let mi = try SPEstimator(noiseStd: beta, mcSamples: 2000, seed: 3).estimate(Matrix(rows: 4, columns: 1, values: centres), labels: labels)
        let error = try XCTUnwrap(mi.standardError)
        XCTAssertLessThan(max(error.ixm, error.iym), 0.01)
        XCTAssertEqual(mi.ixm, ixm, accuracy: 4 * error.ixm)
        XCTAssertEqual(mi.iym, iym, accuracy: 4 * error.iym)
    }

    /// Samples much farther apart than β: every draw's own term is the only one, so I(X;T) is
    /// log2 N and I(Y;T) is H(Y) exactly, with no error. One sample repeated (and a constant
    /// column): T is one Gaussian, I = 0.
    func testClosedForms() throws {
        let apart = Matrix(rows: 4, columns: 2, values: [0, 0, 100, 0, 0, 100, 100, 100])
        let saturated = try SPEstimator(noiseStd: 0.1, mcSamples: 16).estimate(apart, labels: [0, 0, 0, 1])
        XCTAssertEqual(saturated.ixm, 2, accuracy: 1e-15)
        XCTAssertEqual(saturated.iym, -(0.75 * log2(0.75) + 0.25 * log2(0.25)), accuracy: 1e-15)
        XCTAssertEqual(saturated.standardError!.ixm, 0, accuracy: 1e-12)
        XCTAssertEqual(saturated.standardError!.iym, 0, accuracy: 1e-12)
        let same = Matrix(rows: 5, columns: 2, values: Array(repeating: [0.3, 7], count: 5).flatMap { $0 })
        let none = try SPEstimator().estimate(same, labels: [0, 1, 0, 1, 1])
        XCTAssertEqual(none.ixm, 0, accuracy: 1e-15)
        XCTAssertEqual(none.iym, 0, accuracy: 1e-15)
    }

    /// At the same noise (σ² = β²) Kolchinsky & Tracey's bounds hold the true I(X;T), which SP
    /// estimates without bias: it lies between them within 5 standard errors on every layer and
    /// epoch of the committed run (two noises) and of random layers (narrow and wide, tanh of
    /// random projections of random inputs at several gains). I(Y;T) has no such bounds (a
    /// difference of upper bounds bounds nothing), so it is not asked.
    func testLiesBetweenTheKDEBounds() throws {
        func assertBetween(_ activations: Matrix, _ labels: [Int], beta: Double, _ context: String) throws {
            let sp = try SPEstimator(noiseStd: beta).estimate(activations, labels: labels)
            let kde = try KDEEstimator(bound: .both, noiseVariance: beta * beta).estimate(activations, labels: labels)
            let slack = 5 * sp.standardError!.ixm + 1e-9
            XCTAssertGreaterThanOrEqual(sp.ixm, kde.lowerBound!.ixm - slack, context)
            XCTAssertLessThanOrEqual(sp.ixm, kde.ixm + slack, context)
        }
        let reader = try RunReader(path: KernelReference.committedRun, split: .test)
        for beta in [0.1, 0.001.squareRoot()] {
            for epoch in reader.epochs {
                for layer in 0..<reader.layerCount {
                    try assertBetween(try reader.activations(epoch: epoch, layer: layer), reader.labels, beta: beta,
                                      "committed run, β \(beta), epoch \(epoch), layer \(layer)")
                }
            }
        }
        var draws = NumpyRandom(seed: 11)
        for (rows, inputs, units) in [(300, 5, 3), (300, 20, 12), (400, 30, 160)] {
            let x = (0..<rows * inputs).map { _ in draws.nextGaussian() }
            let w = (0..<inputs * units).map { _ in draws.nextGaussian() / Double(inputs).squareRoot() }
            let labels = (0..<rows).map { x[$0 * inputs] > 0 ? 1 : 0 }
            for gain in [0.3, 1, 4] {
                let values = (0..<rows * units).map { k in
                    tanh(gain * (0..<inputs).reduce(0) { $0 + x[k / units * inputs + $1] * w[$1 * units + k % units] })
                }
                for beta in [0.05, 0.2] {
                    try assertBetween(Matrix(rows: rows, columns: units, values: values), labels, beta: beta,
                                      "random \(rows)×\(units), gain \(gain), β \(beta)")
                }
            }
        }
    }

    /// A 128-unit layer (sketched) of three clusters of 256 rows, one tile each: the second at a
    /// squared distance of about 60β² from the first (its terms small but not negligible), the
    /// third far away (its tile skipped). Against the definition summed directly over every pair
    /// (t formed, ‖t − h_j‖² by differences), 1e-12 relative.
    func testSkippingFarTilesLosesNothing() throws {
        let (units, perCluster, beta) = (128, 256, 1.0)
        var draws = NumpyRandom(seed: 5)
        let offsets = [0.0, (60.0 / Double(units)).squareRoot(), 10]
        let values = offsets.flatMap { offset in (0..<perCluster * units).map { _ in offset + 0.05 * draws.nextGaussian() } }
        let n = 3 * perCluster
        let labels = (0..<n).map { $0 / perCluster == 1 ? 1 : 0 }
        let mi = try SPEstimator(noiseStd: beta, mcSamples: 1, seed: 2).estimate(Matrix(rows: n, columns: units, values: values), labels: labels)
        let (ixm, iym) = definition(values, units: units, labels: labels, beta: beta, draws: 1, seed: 2)
        XCTAssertEqual(mi.ixm, ixm, accuracy: 1e-12 * mi.ixm)
        XCTAssertEqual(mi.iym, iym, accuracy: 1e-12 * mi.iym)
        XCTAssertLessThan(mi.ixm, log2(Double(n)) - 0.1)   // the near clusters do overlap
    }

    /// Samples far apart but for planted pairs at a squared distance of about 4β², within a tile
    /// and across tiles, of the same class and not: no tile pair is dense, so only the planted
    /// pairs' terms are computed, pair by pair (`NearPairs`), on a screened 128-unit layer and on
    /// a 20-unit one (float64 tiles). Two draws per sample, against the definition, 1e-12 relative.
    func testNearPairsAloneCount() throws {
        let (n, beta) = (600, 1.0)
        for units in [128, 20] {
            var draws = NumpyRandom(seed: 11)
            var values = (0..<n * units).map { _ in 20 * draws.nextGaussian() }
            let offset = (4 / Double(units)).squareRoot()
            for i in 0..<n where i % 10 == 0 || i % 10 == 5 {
                let j = i % 10 == 0 ? (i + 263) % n : i + 1   // across tiles of 256 rows, then within one
                for c in 0..<units { values[j * units + c] = values[i * units + c] + offset * draws.nextGaussian() }
            }
            let labels = (0..<n).map { $0 % 3 }
            let m = Matrix(rows: n, columns: units, values: values)
            let sp = try SPEstimator(noiseStd: beta, mcSamples: 2, seed: 4)
            let mi = sp.estimate(m, labels: labels)
            let (ixm, iym) = definition(values, units: units, labels: labels, beta: beta, draws: 2, seed: 4)
            XCTAssertEqual(mi.ixm, ixm, accuracy: 1e-12 * ixm, "\(units) units")
            XCTAssertEqual(mi.iym, iym, accuracy: 1e-12 * abs(iym), "\(units) units")
            XCTAssertLessThan(mi.ixm, log2(Double(n)) - 0.05)   // the planted pairs count
            let pairwise = PairwiseDistances(m)
            let near = NearPairs(pairwise, within: MixtureLogSums.reach(longest: 2 * Double(units).squareRoot(), beta))
            XCTAssertFalse((0..<pairwise.tileCount).contains { i in (0..<pairwise.tileCount).contains { near.isDense(i, $0) } })
            XCTAssertEqual((0..<n).filter { !near.neighbours($0).isEmpty }.count, 240, "\(units) units")
        }
    }

    /// SP by its definition, in bits: every draw t = h_i + βz (numpy's legacy draws, row
    /// i · draws + s) against every sample, ‖t − h_j‖² by differences.
    private func definition(_ values: [Double], units: Int, labels: [Int], beta: Double, draws: Int, seed: UInt32) -> (Double, Double) {
        let n = labels.count
        var noise = NumpyRandom(seed: seed)
        var xTerms = 0.0, yTerms = 0.0
        var exponents = [Double](repeating: 0, count: n), t = [Double](repeating: 0, count: units)
        values.withUnsafeBufferPointer { h in
            for i in 0..<n * draws {
                let own = i / draws
                for c in 0..<units { t[c] = h[own * units + c] + beta * noise.nextGaussian() }
                for j in 0..<n {
                    var square = 0.0
                    for c in 0..<units { let e = t[c] - h[j * units + c]; square += e * e }
                    exponents[j] = -square / (2 * beta * beta)
                }
                func logSum(_ js: [Int]) -> Double {
                    let top = js.map { exponents[$0] }.max()!
                    return top + log(js.reduce(0) { $0 + exp(exponents[$1] - top) })
                }
                let all = logSum(Array(0..<n)), within = (0..<n).filter { labels[$0] == labels[own] }
                xTerms += exponents[own] - all + log(Double(n))
                yTerms += logSum(within) - log(Double(within.count)) - all + log(Double(n))
            }
        }
        return (xTerms / Double(n * draws) / M_LN2, yTerms / Double(n * draws) / M_LN2)
    }

    /// The footer's note and how notes merge.
    func testStandardErrorNote() {
        let notes = EstimateNotes(MIEstimate(ixm: 1, iym: 0.5, standardError: .init(ixm: 0.002, iym: 0.0041)))
            .merged(EstimateNotes(MIEstimate(ixm: 1, iym: 0.5)))
        XCTAssertEqual(notes.standardErrorNote, "Monte Carlo standard error ≤ 0.0041 bits")
        XCTAssertNil(EstimateNotes().standardErrorNote)
    }

    /// `measures --estimator sp` (alone and with kde), `infoplane --estimator sp`, and bad values
    /// refused with one error line on stderr (then ArgumentParser's usage lines, as for every option).
    func testCommandLine() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = KernelReference.committedRun, out = folder.appendingPathComponent("m.csv")
        let result = try runCLI(["measures", run, "--split", "test", "--epochs", "29", "--estimator", "sp", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "epoch,layer,MI_XM,MI_YM,MI_XM_se,MI_YM_se")
        XCTAssertEqual(lines.count, 7)
        XCTAssertTrue(lines[1].hasPrefix("29,0,9.5457287783"), String(lines[1]))
        let both = try runCLI(["measures", run, "--split", "test", "--epochs", "29", "--estimator", "kde,sp", "--noise-variance", "0.01",
                               "--noise-std", "0.1", "--mc-samples", "2", "-o", out.path])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8).split(separator: "\n").first,
                       "estimator,epoch,layer,XM,YM,XM_lower,YM_lower,XM_se,YM_se")
        let figure = folder.appendingPathComponent("plane.png")
        let plane = try runCLI(["infoplane", run, "--split", "test", "--estimator", "sp", "--mc-samples", "1", "-o", figure.path])
        XCTAssertEqual(plane.status, 0, plane.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: figure.path))
        let cases: [([String], String)] = [
            (["--estimator", "sp", "--mc-samples", "0"], "--mc-samples must be between 1 and 1000"),
            (["--estimator", "sp", "--mc-samples", "1001"], "--mc-samples must be between 1 and 1000"),
            (["--estimator", "sp", "--mc-samples", "many"], "--mc-samples"),
            (["--estimator", "sp", "--noise-std", "0"], "--noise-std must be above 0 for sp"),
            (["--mc-samples", "8"], "--mc-samples belongs to --estimator sp, not binning"),
        ]
        for (arguments, fragment) in cases {
            let bad = try runCLI(["measures", run, "-o", folder.appendingPathComponent("bad.csv").path] + arguments)
            XCTAssertNotEqual(bad.status, 0)
            let said = bad.stderr.split(separator: "\n")
            XCTAssertTrue(said.first?.contains(fragment) == true, "\(arguments): \(bad.stderr)")
            XCTAssertFalse(said.dropFirst().contains { $0.contains("Error") }, bad.stderr)
        }
    }
}
