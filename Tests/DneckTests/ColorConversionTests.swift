import DneckCairo
@testable import DneckMovie
import XCTest

final class ColorConversionTests: XCTestCase {
    /// The SIMD conversion equals a plain per-pixel BT.601 reference on random pixels, for even
    /// and odd sizes (odd ones repeat the last column and row into the padding).
    func testMatchesScalarReference() {
        var seed: UInt32 = 7
        for (width, height) in [(16, 4), (37, 9), (8, 2), (3, 3), (1, 1)] {
            let stride = width * 4 + 12
            var source = [UInt8](repeating: 0, count: stride * height)
            for i in source.indices { seed = seed &* 1_664_525 &+ 1_013_904_223; source[i] = UInt8(seed >> 24) }
            let w = (width + 1) & ~1, h = (height + 1) & ~1
            var y = [UInt8](repeating: 0, count: w * h), u = [UInt8](repeating: 0, count: w * h / 4)
            var v = [UInt8](repeating: 0, count: w * h / 4)
            source.withUnsafeBufferPointer { src in
                y.withUnsafeMutableBufferPointer { yp in u.withUnsafeMutableBufferPointer { up in v.withUnsafeMutableBufferPointer { vp in
                    let planes = YUVPlanes(y: yp.baseAddress!, u: up.baseAddress!, v: vp.baseAddress!, yStride: w,
                                           uStride: w / 2, vStride: w / 2, width: w, height: h)
                    ColorConversion.bgraToI420(src.baseAddress!, stride: stride, width: width, height: height,
                                               region: PixelRegion(all: width, height), into: planes)
                } } }
            }
            func pixel(_ x: Int, _ yy: Int) -> (Int, Int, Int) {
                let o = min(yy, height - 1) * stride + min(x, width - 1) * 4
                return (Int(source[o + 2]), Int(source[o + 1]), Int(source[o]))
            }
            for row in 0..<h {
                for col in 0..<w {
                    let (r, g, b) = pixel(col, row)
                    XCTAssertEqual(Int(y[row * w + col]), ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16, "Y \(width)×\(height) at \(col),\(row)")
                }
            }
            for row in 0..<h / 2 {
                for col in 0..<w / 2 {
                    let p = [pixel(2 * col, 2 * row), pixel(2 * col + 1, 2 * row), pixel(2 * col, 2 * row + 1), pixel(2 * col + 1, 2 * row + 1)]
                    let r = (p.map(\.0).reduce(0, +) + 2) >> 2, g = (p.map(\.1).reduce(0, +) + 2) >> 2, b = (p.map(\.2).reduce(0, +) + 2) >> 2
                    XCTAssertEqual(Int(u[row * w / 2 + col]), ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128, "U \(width)×\(height)")
                    XCTAssertEqual(Int(v[row * w / 2 + col]), ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128, "V \(width)×\(height)")
                }
            }
        }
    }
}
