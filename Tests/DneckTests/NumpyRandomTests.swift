@testable import DneckMeasures
import XCTest

/// NumpyRandom against draws numpy made (`Tests/reference/numpy_random_reference.py`, committed).
final class NumpyRandomTests: XCTestCase {
    func testDrawsMatchNumpy() throws {
        let url = KernelReference.folder.appendingPathComponent("numpy_random_expected.csv")
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        var bySeed: [UInt32: [(kind: Substring, value: Substring)]] = [:]
        for f in rows { bySeed[UInt32(f[0])!, default: []].append((f[1], f[3])) }
        XCTAssertEqual(bySeed.count, 3)
        for (seed, draws) in bySeed {
            var generator = NumpyRandom(seed: seed)
            let sigma = [1.0, 0.5, 2.0]
            var normals = 0
            for draw in draws {
                switch draw.kind {
                case "uint32": XCTAssertEqual(generator.nextUInt32(), UInt32(draw.value)!, "seed \(seed)")
                case "double": XCTAssertEqual(generator.nextDouble(), Double(draw.value)!, "seed \(seed)")
                case "normal":
                    XCTAssertEqual(generator.nextNormal(mean: 0, standardDeviation: sigma[normals % 3]), Double(draw.value)!, "seed \(seed)")
                    normals += 1
                case "choice819": XCTAssertEqual(generator.nextInt(below: 819), Int(draw.value)!, "seed \(seed)")
                case "choiceLarge": XCTAssertEqual(generator.nextInt(below: (1 << 31) + 5), Int(draw.value)!, "seed \(seed)")
                default: XCTFail("unknown kind \(draw.kind)")
                }
            }
        }
    }
}
