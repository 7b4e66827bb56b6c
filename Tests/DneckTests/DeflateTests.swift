import CZlib
@testable import DneckCairo
import DneckFigure
import Foundation
import XCTest

/// The PNG encoder's deflate (zlib) and its strips, read back by zlib's inflater and libpng.
final class DeflateTests: XCTestCase {
    /// `input` deflated, handed over in pieces of the given sizes (cycled).
    private func deflate(_ input: [UInt8], final: Bool, pieces: [Int] = [Int.max]) -> (bytes: [UInt8], adler32: UInt32) {
        var stream = Deflate()
        input.withUnsafeBufferPointer { input in
            var offset = 0, k = 0
            while offset < input.count {
                let n = min(pieces[k % pieces.count], input.count - offset)
                stream.append(UnsafeBufferPointer(rebasing: input[offset..<offset + n]))
                offset += n; k += 1
            }
        }
        return stream.finish(final: final)
    }

    /// `parts` deflated one by one (all but the last non-final) and joined, as the PNG encoder
    /// joins its strips, then inflated by zlib as one stream; each part's Adler-32 is zlib's.
    private func roundTrip(_ parts: [[UInt8]], pieces: [Int] = [Int.max], file: StaticString = #filePath, line: UInt = #line) {
        var stream: [UInt8] = [0x78, 0x01]
        for (i, part) in parts.enumerated() {
            let (bytes, adler) = deflate(part, final: i == parts.count - 1, pieces: pieces)
            stream += bytes
            XCTAssertEqual(UInt(adler), part.withUnsafeBufferPointer { adler32_z(1, $0.baseAddress, $0.count) }, file: file, line: line)
        }
        let whole = parts.flatMap { $0 }
        let adler = whole.withUnsafeBufferPointer { adler32_z(1, $0.baseAddress, $0.count) }
        stream += [UInt8(adler >> 24 & 0xFF), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
        var out = [UInt8](repeating: 0, count: whole.count + 1)
        var length = uLong(out.count)
        let status = uncompress(&out, &length, stream, uLong(stream.count))
        XCTAssertEqual(status, Z_OK, "zlib rejects the stream", file: file, line: line)
        XCTAssertTrue(Array(out.prefix(Int(length))) == whole, "zlib inflates other bytes", file: file, line: line)
    }

    func testZlibReadsJoinedStreams() {
        var seed: UInt32 = 1
        let noise = (0..<100_000).map { _ in seed = seed &* 1_664_525 &+ 1_013_904_223; return UInt8(seed >> 24) }
        let zeros = [UInt8](repeating: 0, count: 300_000)
        // Chart-like rows: a repeated row with a few changes, so matches reach back a whole row.
        var rows: [UInt8] = []
        for r in 0..<400 { rows += (0..<1_201).map { x in UInt8(truncatingIfNeeded: x % 97 == r % 97 ? r : x / 13) } }
        roundTrip([[]])
        roundTrip([[7]])
        roundTrip([noise])
        roundTrip([zeros])
        roundTrip([rows, [], zeros, noise])   // joined strips, one of them empty
        // Fed in pieces of many sizes, as the encoder feeds batches of rows.
        roundTrip([rows + noise, zeros, rows], pieces: [1, 1_000, 7, 65_537, 150_001])
        // Output stays small for what compresses and bounded for what does not.
        XCTAssertLessThan(deflate(zeros, final: true).bytes.count, 2_000)
        XCTAssertLessThan(deflate(noise, final: true).bytes.count, noise.count + noise.count / 50)
    }

    /// A raster of noise, flat colour and transparent pixels, with strips of several batches
    /// each, decodes (libpng) to its pixels laid over the background, and encodes to the same
    /// bytes every time.
    func testPNGDecodesToItsPixels() throws {
        let (width, height) = (3_001, 301)   // 29 rows a batch, 37 or 38 rows a strip
        let raster = try Raster(width: width, height: height)
        var seed: UInt32 = 7
        raster.withPixels { pixels in
            let p = UnsafeMutablePointer(mutating: pixels)
            for y in 0..<height {
                for x in 0..<width {
                    let q = p + y * raster.stride + 4 * x
                    switch (x / 500 + y / 50) % 3 {
                    case 0: q[0] = 0; q[1] = 0; q[2] = 0; q[3] = 0   // transparent: the background shows
                    case 1: q[0] = 40; q[1] = 90; q[2] = 200; q[3] = 255
                    default:
                        for c in 0..<3 { seed = seed &* 1_664_525 &+ 1_013_904_223; q[c] = UInt8(seed >> 24) }
                        q[3] = 255
                    }
                }
            }
        }
        let background = Color(1, 0.25, 0)   // bytes 255, 63, 0 (Cairo truncates 0.25 × 65 535.99)
        let png = PNGEncoder.encode(raster, over: background)
        XCTAssertEqual(PNGEncoder.encode(raster, over: background), png)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deflate-\(getpid()).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(png).write(to: url)
        let decoded = try DecodedPNG(path: url.path)
        XCTAssertEqual(decoded.width, width)
        XCTAssertEqual(decoded.height, height)
        var mismatches = 0
        raster.withPixels { p in
            for y in 0..<height {
                for x in 0..<width {
                    let q = p + y * raster.stride + 4 * x, c = decoded.rgb(x, y)
                    let expected = q[3] == 0 ? (255, 63, 0) : (Int(q[2]), Int(q[1]), Int(q[0]))
                    if c != expected { mismatches += 1 }
                }
            }
        }
        XCTAssertEqual(mismatches, 0)
    }

    /// The same raster encoded again and again on several threads at once gives the same bytes
    /// every time (ISA-L's igzip, used before, now and then did not under such load).
    func testSameBytesWhenEncodedConcurrently() throws {
        let (width, height) = (1_200, 400)
        let raster = try Raster(width: width, height: height)
        raster.withPixels { pixels in
            let p = UnsafeMutablePointer(mutating: pixels)
            for y in 0..<height {
                for x in 0..<width {
                    let q = p + y * raster.stride + 4 * x
                    (q[0], q[1], q[2], q[3]) = (UInt8(x % 251), UInt8((x * y) % 253), UInt8(y % 247), (x + y) % 7 == 0 ? 0 : 255)
                }
            }
        }
        let png = PNGEncoder.encode(raster, over: Color(1, 1, 1))
        let rounds = 24
        var same = [Bool](repeating: false, count: rounds)
        same.withUnsafeMutableBufferPointer { same in
            let same = same
            DispatchQueue.concurrentPerform(iterations: rounds) { same[$0] = PNGEncoder.encode(raster, over: Color(1, 1, 1)) == png }
        }
        XCTAssertEqual(same.filter { !$0 }.count, 0, "some encodings differ")
    }
}
