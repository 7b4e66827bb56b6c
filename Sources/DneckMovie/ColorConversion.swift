import CFFmpeg
import DneckCairo
import DneckCore

/// BGRA → YUV 4:2:0 by libswscale, with BT.601 coefficients into limited range (what the
/// movie's stream is tagged with). Cairo's pixels are read where they are (`sws_scale`, not
/// `sws_scale_frame`, which would copy a source frame it does not own). One converter per
/// frame: its context, made for the size of the last region, serves the next region of that size.
final class ColorConverter {
    /// Area averaging: each U, V from the mean of its own 2 × 2 block and nothing around it, so
    /// converting a region gives the very bytes of converting the whole picture (bilinear would
    /// reach across the region's edge); exact rounding; the same bytes on any processor.
    private static let flags = SWS_AREA | SWS_ACCURATE_RND | SWS_BITEXACT
    private var context: OpaquePointer?

    deinit { if let context { FFmpeg.sws_freeContext(context) } }

    /// Converts the rows of `region` (even corners) of `raster`, a picture of the frame's own
    /// even size (16 pixels wide or more), into `frame`'s planes, from the region's left edge
    /// (or 16 pixels from the right, as libswscale reads past a source narrower than 8) to the
    /// picture's right edge, where the up to 16 bytes libswscale writes past the width it
    /// converts fall into each row's spare room (see `VideoFrame`). The rest of the planes is
    /// left as it was.
    func convert(_ raster: Raster, region: PixelRegion, into frame: AVFrame) throws {
        let x = min(region.x0, raster.width - 16) & ~1, y = region.y0
        let (width, height) = (raster.width - x, region.y1 - y)
        guard height > 0, region.x1 > region.x0 else { return }
        let previous = context
        context = FFmpeg.sws_getCachedContext(context, Int32(width), Int32(height), AV_PIX_FMT_BGRA, Int32(width),
                                              Int32(height), AV_PIX_FMT_YUV420P, ColorConverter.flags, nil, nil, nil)
        guard let context else {
            throw DneckError.encode(file: "(frame)", detail: "libswscale cannot convert \(width)×\(height) BGRA to YUV 4:2:0")
        }
        if context != previous {
            let bt601 = FFmpeg.sws_getCoefficients(SWS_CS_ITU601)
            _ = FFmpeg.sws_setColorspaceDetails(context, bt601, 1, bt601, 0, 0, 1 << 16, 1 << 16)
        }
        let planes: [UnsafeMutablePointer<UInt8>?] = [
            frame.data.0! + y * Int(frame.linesize.0) + x,
            frame.data.1! + y / 2 * Int(frame.linesize.1) + x / 2,
            frame.data.2! + y / 2 * Int(frame.linesize.2) + x / 2,
        ]
        let strides = [frame.linesize.0, frame.linesize.1, frame.linesize.2]
        let converted = raster.withPixels { pixels -> Int32 in
            let source: [UnsafePointer<UInt8>?] = [pixels + y * raster.stride + 4 * x]
            return FFmpeg.sws_scale(context, source, [Int32(raster.stride)], 0, Int32(height), planes, strides)
        }
        guard converted == height else {
            throw DneckError.encode(file: "(frame)", detail: "libswscale converted \(converted) of \(height) rows")
        }
    }
}
