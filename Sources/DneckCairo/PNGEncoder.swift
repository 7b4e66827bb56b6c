import CZlib
import DneckCore
import DneckFigure
import Dispatch
import Foundation

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
        finish(Strips(raster, over: background))
    }

    /// Draws `layers` of `figure` on `raster` on both cores (`Raster.drawOnTwoCores`) and
    /// encodes it as `encode` does, with the same bytes: the core of the half drawn first goes
    /// on with the strips whose rows are drawn while the other half is still being drawn (the
    /// lower half of an information plane, whose points sit high, takes a fifth to a half of
    /// the upper one's time), then both cores share the strips left.
    public static func drawAndEncode(_ figure: Figure, layers: FigureDrawer.Layers, on raster: Raster,
                                     over background: Color) throws -> [UInt8] {
        let strips = Strips(raster, over: background)
        try raster.drawOnTwoCores(figure, layers: layers) { strips.encodeDrawn(adding: $0) }
        return finish(strips)
    }

    /// The PNG of `strips`, the ones nobody has taken yet encoded on both cores.
    private static func finish(_ strips: Strips) -> [UInt8] {
        DispatchQueue.concurrentPerform(iterations: 2) { _ in strips.encodeRest() }
        return strips.png()
    }

    /// The strips of one raster's PNG: which are drawn, taken and done, and their pieces.
    private final class Strips: @unchecked Sendable {
        private let count: Int
        private let raster: Raster
        private let flatten: Flattening
        private let pieces: UnsafeMutableBufferPointer<(bytes: [UInt8], adler: UInt, length: Int)>
        /// Guards `drawn` and `taken`.
        private let lock = NSLock()
        private var drawn: [Range<Int>] = []
        private var taken: [Bool]

        init(_ raster: Raster, over background: Color) {
            self.raster = raster
            count = min(PNGEncoder.strips, raster.height)
            flatten = Flattening(background)
            pieces = .allocate(capacity: count)
            pieces.initialize(repeating: ([], 1, 0))
            taken = Array(repeating: false, count: count)
        }

        deinit {
            _ = pieces.deinitialize()
            pieces.deallocate()
        }

        /// Rows `first..<last` of strip `s`.
        private func rows(_ s: Int) -> Range<Int> {
            raster.height * s / count..<raster.height * (s + 1) / count
        }

        /// Records `drawnRows` as drawn, then, while the rest of the raster is still being drawn,
        /// encodes strips whose rows (and the row above, for the filter) are all drawn. It never
        /// waits: both halves may be drawn one after the other on one thread.
        func encodeDrawn(adding drawnRows: Range<Int>) {
            lock.lock()
            defer { lock.unlock() }
            drawn.append(drawnRows)
            while drawn.map(\.count).reduce(0, +) < raster.height,
                  let ready = (0..<count).first(where: { !taken[$0] && isDrawn(rows($0)) }) {
                taken[ready] = true
                lock.unlock()
                encode(ready)
                lock.lock()
            }
        }

        /// Encodes the strips nobody has taken yet, until there are none.
        func encodeRest() {
            lock.lock()
            defer { lock.unlock() }
            while let next = taken.firstIndex(of: false) {
                taken[next] = true
                lock.unlock()
                encode(next)
                lock.lock()
            }
        }

        /// Whether the rows of a strip and the one above are drawn (the lock is held).
        private func isDrawn(_ strip: Range<Int>) -> Bool {
            var row = max(strip.lowerBound - 1, 0)
            while row < strip.upperBound {
                guard let range = drawn.first(where: { $0.contains(row) }) else { return false }
                row = range.upperBound
            }
            return true
        }

        /// Filters and deflates strip `s` (any thread, each strip once).
        private func encode(_ s: Int) {
            let width = raster.width, rowBytes = 1 + 3 * width, strip = rows(s)
            let rowsPerBatch = max(1, PNGEncoder.batchBytes / rowBytes)
            var stream = Deflate()
            var above = [UInt8](repeating: 0, count: 3 * width), row = above
            var batch = [UInt8](repeating: 0, count: rowsPerBatch * rowBytes)
            raster.withPixels { pixels in
                if strip.lowerBound > 0 { flatten.row(pixels + (strip.lowerBound - 1) * raster.stride, width: width, into: &above) }
                for start in stride(from: strip.lowerBound, to: strip.upperBound, by: rowsPerBatch) {
                    let rows = min(rowsPerBatch, strip.upperBound - start)
                    batch.withUnsafeMutableBufferPointer { batch in
                        for y in start..<start + rows {
                            flatten.row(pixels + y * raster.stride, width: width, into: &row)
                            PNGEncoder.filterUp(row, above: above, into: batch.baseAddress! + (y - start) * rowBytes)
                            swap(&row, &above)
                        }
                        stream.append(UnsafeBufferPointer(rebasing: batch[..<(rows * rowBytes)]))
                    }
                }
            }
            let (piece, adler) = stream.finish(final: s == count - 1)
            pieces[s] = (piece, UInt(adler), strip.count * rowBytes)
        }

        /// The PNG of the encoded strips.
        func png() -> [UInt8] {
            var adler = pieces[0].adler
            for piece in pieces.dropFirst() { adler = adler32_combine(adler, piece.adler, off_t(piece.length)) }
            var idat: [UInt8] = [0x78, 0x01]   // zlib header: deflate, 32 KiB window, fastest level
            for piece in pieces { idat += piece.bytes }
            idat += PNGEncoder.bigEndian(UInt32(adler))
            var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            PNGEncoder.appendChunk("IHDR", PNGEncoder.bigEndian(UInt32(raster.width)) + PNGEncoder.bigEndian(UInt32(raster.height))
                                   + [8, 2, 0, 0, 0], to: &png)
            PNGEncoder.appendChunk("IDAT", idat, to: &png)
            PNGEncoder.appendChunk("IEND", [], to: &png)
            return png
        }
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
