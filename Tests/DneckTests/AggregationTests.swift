import DneckCore
@testable import DneckMeasures
import XCTest

final class AggregationTests: XCTestCase {
    /// The five runs of `Tests/reference/aggregation_runs.csv` as measure tables.
    private func referenceRuns() throws -> [MeasureTable] {
        let lines = try String(contentsOf: ReferenceNumbers.folder.appendingPathComponent("aggregation_runs.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let byRun = Dictionary(grouping: lines) { Int($0[0])! }
        return byRun.keys.sorted().map { run in
            MeasureTable(points: byRun[run]!.map { InformationPoint(epoch: Int($0[1])!, layer: Int($0[2])!, ixm: Double($0[3])!, iym: Double($0[4])!) })
        }
    }

    /// Mean and median with IQR and range in both coordinates, for five runs and for four (an
    /// even count), against numpy's numbers (`Tests/reference/aggregation_reference.py`).
    func testMeanAndMedianWithSpreadMatchNumpy() throws {
        let runs = try referenceRuns()
        XCTAssertEqual(runs.count, 5)
        let expected = try String(contentsOf: ReferenceNumbers.folder.appendingPathComponent("aggregation_expected.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        XCTAssertEqual(expected.count, 48)
        for count in [5, 4] {
            for statistic in AggregateStatistic.allCases {
                let aggregate = try RunAggregate(Array(runs.prefix(count)), files: (0..<count).map { "run\($0).h5" }, statistic: statistic)
                let wanted = expected.filter { Int($0[0])! == count && $0[1] == statistic.rawValue }
                XCTAssertEqual(aggregate.points.count, wanted.count)
                XCTAssertEqual(aggregate.runCount, count)
                XCTAssertEqual(aggregate.missingEpochs, count == 5 ? [5, 20] : [5])
                for (got, want) in zip(aggregate.points, wanted) {
                    XCTAssertEqual([got.point.epoch, got.point.layer], [Int(want[2])!, Int(want[3])!])
                    let numbers = want[4...].map { Double($0)! }
                    let ours = [got.point.ixm, got.point.iym, got.spreadX.q1, got.spreadX.q3, got.spreadX.min, got.spreadX.max,
                                got.spreadY.q1, got.spreadY.q3, got.spreadY.min, got.spreadY.max]
                    for (a, b) in zip(ours, numbers) { XCTAssertEqual(a, b, accuracy: 1e-12, "\(count) runs, \(statistic), epoch \(got.point.epoch) layer \(got.point.layer)") }
                }
            }
        }
    }

    func testDifferentLayerCountsNameBothFiles() {
        let a = MeasureTable(points: [InformationPoint(epoch: 0, layer: 0, ixm: 1, iym: 0.5), InformationPoint(epoch: 0, layer: 1, ixm: 1, iym: 0.5)])
        let b = MeasureTable(points: [InformationPoint(epoch: 0, layer: 0, ixm: 1, iym: 0.5)])
        XCTAssertThrowsError(try RunAggregate([a, a, b], files: ["a.h5", "a2.h5", "b.h5"], statistic: .median)) { error in
            XCTAssertEqual("\(error)", "b.h5: /: 1 layers, but a.h5 has 2: runs aggregated on one plane need the same layers")
        }
        XCTAssertThrowsError(try RunAggregate([], files: [], statistic: .mean))
    }

    /// Aggregated rows first (run = the statistic), then each run's own rows by position.
    func testCSVListsAggregateThenEveryRun() throws {
        let a = MeasureTable(points: [InformationPoint(epoch: 0, layer: 0, ixm: 1, iym: 0.25), InformationPoint(epoch: 1, layer: 0, ixm: 2, iym: 0.5)])
        let b = MeasureTable(points: [InformationPoint(epoch: 0, layer: 0, ixm: 3, iym: 0.75)])
        let aggregate = try RunAggregate([a, b], files: ["a.h5", "b.h5"], statistic: .mean)
        XCTAssertEqual(aggregate.missingEpochs, [1])
        XCTAssertEqual(aggregate.csv(runs: [a, b], quantity: .bits), """
            run,epoch,layer,MI_XM,MI_YM
            mean,0,0,2,0.5
            0,0,0,1,0.25
            0,1,0,2,0.5
            1,0,0,3,0.75

            """)
        XCTAssertEqual(aggregate.table.points.map(\.ixm), [2])
    }

    /// Lower bounds (KDE, both bounds) are aggregated when every run has them.
    func testLowerBoundsAreAggregatedWhenEveryRunHasThem() throws {
        let runs = (1...3).map { k in MeasureTable(points: [InformationPoint(epoch: 0, layer: 0, ixm: Double(k), iym: 0, ixmLower: Double(k) / 2, iymLower: 0)]) }
        let aggregate = try RunAggregate(runs, files: ["a", "b", "c"], statistic: .median)
        XCTAssertEqual(aggregate.points.first?.point.ixmLower, 1)
        XCTAssertTrue(aggregate.table.hasLowerBounds)
    }
}
