import CFFmpeg
import DneckCairo
import DneckCore

/// BGRA → YUV 4:2:0 by libswscale, with BT.601 coefficients into limited range (what the
/// movie's stream is tagged with), a run of tiles at a time (see `TileGrid`). Cairo's pixels
/// are read where they are (`sws_scale`, not `sws_scale_frame`, which would copy a source frame
/// it does not own). One converter per frame: it keeps a libswscale context per run size it has
/// met.
final class ColorConverter {
    /// Area averaging: each U, V from the mean of its own 2 × 2 block and nothing around it, so
    /// converting a tile gives the very bytes of converting the whole picture (bilinear would
    /// reach across the tile's edge); exact rounding; the same bytes on any processor.
    private static let flags = SWS_AREA | SWS_ACCURATE_RND | SWS_BITEXACT
    /// libswscale reads and writes up to 16 pixels past the width it converts, and misreads a
    /// source narrower than that: runs are this wide at least, and land in `scratch` first.
    private static let overrun = 16

    private var contexts: [Int: OpaquePointer] = [:]
    /// One run's Y, U and V rows, with room for libswscale's overrun.
    private var scratch: [UInt8] = []

    deinit { for context in contexts.values { FFmpeg.sws_freeContext(context) } }

    /// Converts `runs` (even corners, within the picture) of `raster`, a picture of the frame's
    /// own even size (16 pixels wide or more), into `frame`'s planes; the rest of the planes is
    /// left as it was.
    func convert(_ raster: Raster, runs: [PixelRegion], into frame: AVFrame) throws {
        try raster.withPixels { pixels in
            for run in runs where run.x1 > run.x0 && run.y1 > run.y0 {
                var (left, right) = (run.x0, run.x1)
                if right - left < ColorConverter.overrun {   // widen a narrow run, over pixels converted already
                    if left + ColorConverter.overrun <= raster.width { right = left + ColorConverter.overrun }
                    else { left = raster.width - ColorConverter.overrun }
                }
                try convertRun(pixels, stride: raster.stride, from: left, to: right, top: run.y0, rows: run.y1 - run.y0, into: frame)
            }
        }
    }

    /// Converts pixels `left..<right` (even, `overrun` apart at least) of rows `top..<top + rows`
    /// into the frame, through `scratch`.
    private func convertRun(_ pixels: UnsafePointer<UInt8>, stride: Int, from left: Int, to right: Int, top: Int, rows: Int,
                            into frame: AVFrame) throws {
        let width = right - left
        let context = try self.context(width: width, height: rows)
        let lumaStride = width + 2 * ColorConverter.overrun, chromaStride = lumaStride / 2
        if scratch.count < 2 * lumaStride * rows { scratch = [UInt8](repeating: 0, count: 2 * lumaStride * rows) }
        let converted = scratch.withUnsafeMutableBufferPointer { buffer -> Int32 in
            let y = buffer.baseAddress!, u = y + lumaStride * rows, v = u + chromaStride * rows / 2
            let status = FFmpeg.sws_scale(context, [pixels + top * stride + 4 * left], [Int32(stride)], 0, Int32(rows),
                                          [y, u, v], [Int32(lumaStride), Int32(chromaStride), Int32(chromaStride)])
            guard status == rows else { return status }
            for row in 0..<rows {
                (frame.data.0! + (top + row) * Int(frame.linesize.0) + left).update(from: y + row * lumaStride, count: width)
            }
            for row in 0..<rows / 2 {
                let line = top / 2 + row
                (frame.data.1! + line * Int(frame.linesize.1) + left / 2).update(from: u + row * chromaStride, count: width / 2)
                (frame.data.2! + line * Int(frame.linesize.2) + left / 2).update(from: v + row * chromaStride, count: width / 2)
            }
            return status
        }
        guard converted == rows else {
            throw DneckError.encode(file: "(frame)", detail: "libswscale converted \(converted) of \(rows) rows")
        }
    }

    /// The cached context for runs of `width × height` pixels.
    private func context(width: Int, height: Int) throws -> OpaquePointer {
        let key = width << 16 | height
        if let context = contexts[key] { return context }
        let (w, h) = (Int32(width), Int32(height))
        guard let context = FFmpeg.sws_getCachedContext(nil, w, h, AV_PIX_FMT_BGRA, w, h, AV_PIX_FMT_YUV420P, ColorConverter.flags,
                                                        nil, nil, nil) else {
            throw DneckError.encode(file: "(frame)", detail: "libswscale cannot convert \(width)×\(height) BGRA to YUV 4:2:0")
        }
        let bt601 = FFmpeg.sws_getCoefficients(SWS_CS_ITU601)
        _ = FFmpeg.sws_setColorspaceDetails(context, bt601, 1, bt601, 0, 0, 1 << 16, 1 << 16)
        contexts[key] = context
        return context
    }
}
