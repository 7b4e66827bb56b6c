import CZlib
@testable import DneckCairo
import XCTest

/// The PNG encoder's own deflate, read back by zlib's inflater.
final class DeflateTests: XCTestCase {
    /// `input` deflated in one piece.
    private func deflate(_ input: [UInt8], final: Bool) -> [UInt8] {
        var stream = Deflate(piece: input.count)
        stream.append(count: input.count) { out in input.withUnsafeBufferPointer { if let b = $0.baseAddress { out.update(from: b, count: input.count) } } }
        return stream.finish(final: final)
    }

    /// `parts` deflated one by one (all but the last non-final) and joined, as the PNG encoder
    /// joins its strips, then inflated by zlib as one stream.
    private func roundTrip(_ parts: [[UInt8]], file: StaticString = #filePath, line: UInt = #line) {
        var stream: [UInt8] = [0x78, 0x01]
        for (i, part) in parts.enumerated() {
            stream += deflate(part, final: i == parts.count - 1)
        }
        let whole = parts.flatMap { $0 }
        let adler = whole.withUnsafeBufferPointer { adler32_z(1, $0.baseAddress, $0.count) }
        stream += [UInt8(adler >> 24 & 0xFF), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
        var out = [UInt8](repeating: 0, count: whole.count + 1)
        var length = uLong(out.count)
        let status = uncompress(&out, &length, stream, uLong(stream.count))
        XCTAssertEqual(status, Z_OK, "zlib rejects the stream", file: file, line: line)
        XCTAssertEqual(Array(out.prefix(Int(length))), whole, file: file, line: line)
    }

    func testZlibReadsWhatItWrites() {
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let zeros = [UInt8](repeating: 0, count: 300_000)
        // Chart-like rows: a repeated row with a few changes, so matches reach back a whole row.
        var rows: [UInt8] = []
        for r in 0..<400 { rows += (0..<1_201).map { x in UInt8(truncatingIfNeeded: x % 97 == r % 97 ? r : x / 13) } }
        // Few distinct bytes in long runs of every length, and matches of every distance.
        var runs: [UInt8] = []
        for k in 1..<600 { runs += [UInt8](repeating: UInt8(k % 3), count: k % 263) }
        let farRepeat = noise.prefix(40_000) + noise.prefix(40_000)
        roundTrip([[]])
        roundTrip([[7]])
        roundTrip([noise])
        roundTrip([zeros])
        roundTrip([rows])
        roundTrip([runs])
        roundTrip([Array(farRepeat)])
        roundTrip([rows, [], zeros, noise, runs])   // joined strips, one of them empty
        // Fed in pieces of many sizes, as the PNG encoder feeds rows: matches reach back into
        // earlier pieces, the buffer slides and grows, and the bytes are the same as in one go.
        let whole = rows + noise.prefix(70_000) + zeros.prefix(100_000) + runs
        var stream = Deflate(piece: 1_000)
        var offset = 0, size = 1
        while offset < whole.count {
            let n = min(size, whole.count - offset)
            stream.append(count: n) { out in whole.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + offset, count: n) } }
            offset += n
            size = size * 7 % 150_001 + 1
        }
        let pieces = stream.finish(final: true)
        XCTAssertEqual(pieces, deflate(whole, final: true))
        var inflated = [UInt8](repeating: 0, count: whole.count)
        var length = uLong(inflated.count)
        let adler = whole.withUnsafeBufferPointer { adler32_z(1, $0.baseAddress, $0.count) }
        let zlibStream = [0x78, 0x01] + pieces + [UInt8(adler >> 24 & 0xFF), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
        XCTAssertEqual(uncompress(&inflated, &length, zlibStream, uLong(zlibStream.count)), Z_OK)
        XCTAssertEqual(inflated, whole)
        // Output stays small for what compresses and bounded for what does not.
        let zeroBytes = deflate(zeros, final: true).count
        let noiseBytes = deflate(noise, final: true).count
        XCTAssertLessThan(zeroBytes, 2_000)
        XCTAssertLessThan(noiseBytes, noise.count + noise.count / 50)
    }
}
