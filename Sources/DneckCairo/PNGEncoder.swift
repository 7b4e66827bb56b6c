import CZlib
import DneckCore
import DneckFigure
import Dispatch

/// Encodes a raster as an 8-bit RGB PNG in memory, fast and deterministic.
///
/// Every row gets PNG's "up" filter (charts are mostly flat colour, which it turns into runs of
/// zeros). The filtered image is cut into a fixed number of horizontal strips, each deflated on
/// its own (in parallel, by zlib through `Deflate`, a batch of rows at a time) and joined into
/// one zlib stream, as pigz does: non-final strips end byte-aligned with an empty stored block,
/// the Adler-32 checksums are combined (by zlib). The bytes depend only on the pixels and the
/// fixed strip and batch sizes, never on the number of cores.
/// Charts are opaque, so alpha is dropped; no time or text chunks are written.
public enum PNGEncoder {
    /// Strips compressed independently (fixed, for identical bytes on any machine).
    static let strips = 8
    /// Filtered bytes handed to the compressor at a time (whole rows, at least one).
    private static let batchBytes = 1 << 18

    /// The PNG of `raster` laid over an opaque `background` (the raster's own alpha is
    /// composited here, with pixman's rounding: within a level of what Cairo draws over that
    /// colour itself, where antialiased shapes overlap).
    public static func encode(_ raster: Raster, over background: Color) -> [UInt8] {
        let width = raster.width, height = raster.height
        let rowBytes = 1 + 3 * width
        let strips = min(Self.strips, height)
        let flatten = Flattening(background)
        let rowsPerBatch = max(1, batchBytes / rowBytes)
        var pieces = [[UInt8]](repeating: [], count: strips)
        var checksums = [(adler: UInt, length: Int)](repeating: (1, 0), count: strips)
        raster.withPixels { pixels in
            pieces.withUnsafeMutableBufferPointer { pieces in
                checksums.withUnsafeMutableBufferPointer { checksums in
                    let (pieces, checksums) = (pieces, checksums)
                    DispatchQueue.concurrentPerform(iterations: strips) { s in
                        let first = height * s / strips, last = height * (s + 1) / strips
                        var stream = Deflate()
                        var above = [UInt8](repeating: 0, count: 3 * width), row = above
                        var batch = [UInt8](repeating: 0, count: rowsPerBatch * rowBytes)
                        if first > 0 { flatten.row(pixels + (first - 1) * raster.stride, width: width, into: &above) }
                        for start in stride(from: first, to: last, by: rowsPerBatch) {
                            let rows = min(rowsPerBatch, last - start)
                            batch.withUnsafeMutableBufferPointer { batch in
                                for y in start..<start + rows {
                                    flatten.row(pixels + y * raster.stride, width: width, into: &row)
                                    filterUp(row, above: above, into: batch.baseAddress! + (y - start) * rowBytes)
                                    swap(&row, &above)
                                }
                                stream.append(UnsafeBufferPointer(rebasing: batch[..<(rows * rowBytes)]))
                            }
                        }
                        let (piece, adler) = stream.finish(final: s == strips - 1)
                        (pieces[s], checksums[s]) = (piece, (UInt(adler), (last - first) * rowBytes))
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

    /// Cairo's premultiplied BGRA over an opaque colour, as RGB: c + background · (255 − α) / 255,
    /// rounded as pixman rounds, from one table per channel.
    private struct Flattening {
        let red: [UInt8], green: [UInt8], blue: [UInt8]

        init(_ color: Color) {
            // Cairo's own conversion of a colour component to 8 bits.
            func byte(_ v: Double) -> Int { Int(UInt16(min(max(v, 0), 1) * (65_536 - 1e-5))) >> 8 }
            func table(_ v: Double) -> [UInt8] {
                let c = byte(v)
                return (0..<256).map { alpha in
                    let t = (255 - alpha) * c + 0x80
                    return UInt8((t + (t >> 8)) >> 8)
                }
            }
            (red, green, blue) = (table(color.r), table(color.g), table(color.b))
        }

        func row(_ pixels: UnsafePointer<UInt8>, width: Int, into out: inout [UInt8]) {
            red.withUnsafeBufferPointer { r in green.withUnsafeBufferPointer { g in blue.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { out in
                    for x in 0..<width {
                        let i = 4 * x, o = 3 * x, alpha = Int(pixels[i + 3])   // Cairo's bytes are B, G, R, A
                        out[o] = pixels[i + 2] &+ r[alpha]
                        out[o + 1] = pixels[i + 1] &+ g[alpha]
                        out[o + 2] = pixels[i] &+ b[alpha]
                    }
                }
            } } }
        }
    }

    /// One row with filter type 2 ("up"): each byte minus the byte above it.
    private static func filterUp(_ row: [UInt8], above: [UInt8], into out: UnsafeMutablePointer<UInt8>) {
        out[0] = 2
        row.withUnsafeBufferPointer { row in
            above.withUnsafeBufferPointer { above in
                for i in 0..<row.count { out[1 + i] = row[i] &- above[i] }
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
