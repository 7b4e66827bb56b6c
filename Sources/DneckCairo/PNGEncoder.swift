import CZlib
import DneckCore
import Dispatch

/// Encodes a raster as an 8-bit RGB PNG in memory, fast and deterministic.
///
/// Every row gets PNG's "up" filter (charts are mostly flat colour, which it turns into runs of
/// zeros). The filtered image is cut into a fixed number of horizontal strips, each deflated on
/// its own (in parallel, by `Deflate`) and joined into one zlib stream, as pigz does: non-final
/// strips end byte-aligned with an empty stored block, the Adler-32 checksums are combined. The bytes depend only on the pixels
/// and the fixed strip count, never on the number of cores. Charts are opaque, so alpha is
/// dropped; no time or text chunks are written.
public enum PNGEncoder {
    /// Strips compressed independently (fixed, for identical bytes on any machine).
    static let strips = 8

    public static func encode(_ raster: Raster) -> [UInt8] {
        let width = raster.width, height = raster.height
        let rowBytes = 1 + 3 * width
        let strips = min(Self.strips, height)
        var pieces = [[UInt8]](repeating: [], count: strips)
        var checksums = [(adler: UInt, length: Int)](repeating: (1, 0), count: strips)
        raster.withPixels { pixels in
            pieces.withUnsafeMutableBufferPointer { pieces in
                checksums.withUnsafeMutableBufferPointer { checksums in
                    let (pieces, checksums) = (pieces, checksums)
                    DispatchQueue.concurrentPerform(iterations: strips) { s in
                        let first = height * s / strips, last = height * (s + 1) / strips
                        let count = (last - first) * rowBytes
                        var filtered = [UInt8](repeating: 0, count: count)
                        filtered.withUnsafeMutableBufferPointer { filtered in
                            let out = filtered.baseAddress!
                            for y in first..<last {
                                filterUp(pixels + y * raster.stride, above: y > 0 ? pixels + (y - 1) * raster.stride : nil,
                                         width: width, into: out + (y - first) * rowBytes)
                            }
                            checksums[s] = (adler32_z(1, out, count), count)
                            pieces[s] = Deflate.compress(UnsafeBufferPointer(filtered), final: s == strips - 1)
                        }
                    }
                }
            }
        }
        var adler = checksums[0].adler
        for c in checksums.dropFirst() { adler = adler32_combine(adler, c.adler, off_t(c.length)) }
        var idat: [UInt8] = [0x78, 0x01]   // zlib header: deflate, 32 KiB window, fastest level
        for piece in pieces { idat += piece }
        idat += bigEndian(UInt32(adler))

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        appendChunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0], to: &png)
        appendChunk("IDAT", idat, to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// One row with filter type 2 ("up"): each RGB byte minus the byte above it.
    private static func filterUp(_ row: UnsafePointer<UInt8>, above: UnsafePointer<UInt8>?, width: Int,
                                 into out: UnsafeMutablePointer<UInt8>) {
        out[0] = 2
        for x in 0..<width {
            let o = 1 + 3 * x, i = 4 * x   // Cairo's bytes are B, G, R, A
            if let above {
                out[o] = row[i + 2] &- above[i + 2]
                out[o + 1] = row[i + 1] &- above[i + 1]
                out[o + 2] = row[i] &- above[i]
            } else {
                out[o] = row[i + 2]; out[o + 1] = row[i + 1]; out[o + 2] = row[i]
            }
        }
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let body = Array(type.utf8) + data
        png += bigEndian(UInt32(data.count))
        png += body
        png += bigEndian(UInt32(body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }))
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
}
