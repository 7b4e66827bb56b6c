import CPNG
import DneckCore
import Foundation

/// Encodes a raster as an 8-bit RGB PNG with libpng into memory. Faster than Cairo's own
/// writer at high dpi (a lighter zlib level, one fixed filter) and deterministic: no time or
/// text chunks. Charts are opaque, so alpha is dropped.
public enum PNGEncoder {
    /// zlib level: 6 is zlib's default; 3 is much faster on charts for files a little larger.
    static let compressionLevel: Int32 = 3

    public static func encode(_ raster: Raster) throws -> [UInt8] {
        guard let png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nil, nil, nil) else {
            throw DneckError.render(file: "(png)", detail: "libpng could not start")
        }
        var info = png_create_info_struct(png)
        var pngOptional: png_structp? = png
        defer { png_destroy_write_struct(&pngOptional, &info) }
        let sink = Sink()
        png_set_write_fn(png, Unmanaged.passUnretained(sink).toOpaque(), { png, data, length in
            let sink = Unmanaged<Sink>.fromOpaque(png_get_io_ptr(png)!).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
        }, nil)
        png_set_IHDR(png, info, png_uint_32(raster.width), png_uint_32(raster.height), 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        png_set_compression_level(png, compressionLevel)
        png_set_filter(png, 0, PNG_FILTER_UP)
        png_write_info(png, info)
        var row = [UInt8](repeating: 0, count: raster.width * 3)
        raster.withPixels { pixels in
            for y in 0..<raster.height {
                let line = pixels + y * raster.stride
                for x in 0..<raster.width {
                    // BGRA, opaque: premultiplication is the identity.
                    row[3 * x] = line[4 * x + 2]
                    row[3 * x + 1] = line[4 * x + 1]
                    row[3 * x + 2] = line[4 * x]
                }
                png_write_row(png, row)
            }
        }
        png_write_end(png, info)
        return sink.bytes
    }

    private final class Sink { var bytes: [UInt8] = [] }
}
