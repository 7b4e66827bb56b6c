import DneckCore
import DneckMeasures
import Foundation
import XCTest

/// The registry of `--estimator`: one descriptor per name, each building its estimator, taking
/// its parameters and naming its quantity's columns.
final class EstimatorRegistryTests: XCTestCase {
    /// Every name once, in the help's order, each found by its name.
    func testNamesAreUniqueAndFound() {
        let names = EstimatorRegistry.all.map(\.name)
        XCTAssertEqual(names, ["binning", "kde-upper", "kde-lower", "kde", "hsic", "renyi", "edge", "ksg", "sp"])
        XCTAssertEqual(Set(names).count, names.count)
        for name in names { XCTAssertEqual(EstimatorRegistry.named(name)?.name, name) }
        XCTAssertNil(EstimatorRegistry.named("kdx"))
    }

    /// Every descriptor builds its own estimator with defaults and with every parameter it takes,
    /// and an estimator's parameters build it again.
    func testEveryNameBuildsItsEstimatorAndParametersRoundTrip() throws {
        let given = EstimatorParameters(binSize: 0.5, noiseVariance: 0.1, sigma: .median, hsicTarget: .output, samples: 300, alpha: 2,
                                        k: 5, ksgVariant: 2, noiseStd: 0.1, pca: 4, whiten: true, seed: 9, mcSamples: 7)
        for descriptor in EstimatorRegistry.all {
            for parameters in [EstimatorParameters(), given, EstimatorParameters(bins: 30, adaptive: true)] {
                let made = try descriptor.make(parameters)
                XCTAssertEqual(made.descriptor.name, descriptor.name)
                XCTAssertEqual(made.needsInputs, descriptor.needsInputs)
                XCTAssertEqual(try descriptor.make(made.parameters).summary, made.summary, descriptor.name)
            }
        }
        XCTAssertEqual(try EstimatorDescriptor.binning.make(EstimatorParameters()).summary, "binning, bin size 0.07")
        XCTAssertEqual(try EstimatorDescriptor.renyi.make(EstimatorParameters(alpha: 2)).summary, "matrix-based Rényi entropy, α = 2.0, σ = 1.0")
    }

    /// What each estimator takes, needs and counts.
    func testParametersInputsAndStates() {
        let takers = Dictionary(uniqueKeysWithValues: EstimatorParameter.allCases.map { parameter in
            (parameter, EstimatorRegistry.all.filter { $0.takes(parameter) }.map(\.name))
        })
        XCTAssertEqual(takers, [.binSize: ["binning"], .bins: ["binning"], .adaptive: ["binning"],
                                .noiseVariance: ["kde-upper", "kde-lower", "kde"], .sigma: ["hsic", "renyi"],
                                .hsicTarget: ["hsic"], .samples: ["hsic", "renyi"], .alpha: ["renyi"], .k: ["ksg"], .ksgVariant: ["ksg"],
                                .noiseStd: ["ksg", "sp"], .pca: ["ksg"], .whiten: ["ksg"], .seed: ["ksg", "sp"], .mcSamples: ["sp"]])
        XCTAssertEqual(EstimatorRegistry.all.filter(\.needsInputs).map(\.name), ["hsic", "renyi", "edge", "ksg"])
        XCTAssertEqual(EstimatorRegistry.all.filter(\.countsStates).map(\.name), ["binning"])
    }

    /// A parameter none of the chosen estimators takes is refused, naming its takers.
    func testParameterOwnershipMessages() throws {
        func message(_ parameters: [EstimatorParameter], _ chosen: [EstimatorDescriptor]) -> String? {
            do { try EstimatorRegistry.requireTaker(of: parameters, among: chosen); return nil } catch { return error.description }
        }
        XCTAssertNil(message([.sigma], [.binning, .renyi]))
        XCTAssertEqual(message([.sigma], [.binning]), "--sigma belongs to --estimator hsic or renyi, not binning")
        XCTAssertEqual(message([.binSize, .adaptive], [.kde, .edge]), "--bin-size and --adaptive belong to --estimator binning, not kde,edge")
        XCTAssertEqual(message([.noiseVariance], [.hsic]),
                       "--noise-variance belongs to the KDE estimators (--estimator kde-upper, kde-lower or kde), not hsic")
        XCTAssertEqual(message([.alpha], [.kde]), "--alpha belongs to --estimator renyi, not kde")
    }

    /// The quantity names the CSV's value columns; several estimators share generic ones.
    func testQuantityNamesTheColumns() {
        let table = MeasureTable(points: [InformationPoint(epoch: 0, layer: 1, ixm: 2, iym: 0.5, ixmLower: 1, iymLower: 0.25)])
        XCTAssertEqual(table.csv(quantity: EstimatorDescriptor.hsic.quantity), "epoch,layer,HSIC_XM,HSIC_YM,HSIC_XM_lower,HSIC_YM_lower\n0,1,2,0.5,1,0.25\n")
        for descriptor in EstimatorRegistry.all where descriptor.name != "hsic" {
            XCTAssertEqual(table.csv(quantity: descriptor.quantity, health: true).split(separator: "\n")[0],
                           "epoch,layer,MI_XM,MI_YM,MI_XM_lower,MI_YM_lower,states,saturated_X,saturated_Y", descriptor.name)
        }
        let plain = MeasureTable(points: [InformationPoint(epoch: 0, layer: 0, ixm: 1, iym: 0.5, states: 3)])
        XCTAssertEqual(MeasureRows.csv([("binning", plain.rows(health: true)), ("hsic", table.rows(health: false))]), """
            estimator,epoch,layer,XM,YM,states,saturated_X,saturated_Y,XM_lower,YM_lower
            binning,0,0,1,0.5,3,false,false,,
            hsic,0,1,2,0.5,,,,1,0.25

            """)
        XCTAssertEqual(EstimatorDescriptor.hsic.quantity.label(x: true), "HSIC(M, X)")
        XCTAssertEqual(EstimatorDescriptor.renyi.quantity.label(x: false), "I(Y;M) (bits)")
    }

    /// The remedy follows the binning rule; the notes name the estimator's own hints.
    func testRemediesAndNotes() throws {
        XCTAssertEqual(BinningEstimator().saturationRemedy, "a larger --bin-size, --bins 30 --adaptive or --estimator kde")
        XCTAssertEqual(try BinningEstimator(rule: .adaptive(bins: 30)).saturationRemedy, "fewer --bins or --estimator kde")
        XCTAssertTrue(try KDEEstimator().saturationRemedy.hasPrefix("a larger --noise-variance"))
        let notes = EstimateNotes(subsampledRows: 100, hitCap: true)
        XCTAssertEqual(EstimatorDescriptor.renyi.subsetNote(notes, summary: "R", rows: 819),
                       "R: each estimate on a fixed-seed random subset of 100 of the 819 rows (--samples N sets its size; --alpha 2 runs exactly on every row)")
        XCTAssertEqual(EstimatorDescriptor.hsic.subsetNote(notes, summary: "H", rows: 819),
                       "H: each estimate on a fixed-seed random subset of 100 of the 819 rows (--samples N sets its size)")
        XCTAssertNil(EstimatorDescriptor.hsic.subsetNote(EstimateNotes(), summary: "H", rows: 819))
        XCTAssertTrue(EstimatorDescriptor.edge.capWarning(notes, summary: "E")?.hasPrefix("E: some bucket terms sit at the cap U") == true)
        XCTAssertNil(EstimatorDescriptor.binning.capWarning(notes, summary: "B"))
    }
}
