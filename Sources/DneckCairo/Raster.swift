import CCairo
import DneckCore
import DneckFigure

/// A figure drawn into pixels: Cairo's ARGB32 image (BGRA bytes on little-endian machines),
/// reusable frame after frame of the same size.
public final class Raster {
    public let width: Int
    public let height: Int
    private let surface: OpaquePointer

    /// A raster for figures of `figure`'s pixel size.
    public init(width: Int, height: Int) throws {
        self.width = width
        self.height = height
        guard width > 0, height > 0, width <= 32767, height <= 32767,
              let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw DneckError.render(file: "(raster)", detail: "cannot create a \(width)×\(height) image")
        }
        self.surface = surface
    }

    deinit { cairo_surface_destroy(surface) }

    /// Bytes from one row to the next.
    public var stride: Int { Int(cairo_image_surface_get_stride(surface)) }

    /// Draws `figure` (or some of its layers) over the whole raster.
    public func draw(_ figure: Figure, layers: FigureDrawer.Layers = .all) throws {
        guard let cr = cairo_create(surface) else { throw DneckError.render(file: "(raster)", detail: "no Cairo context") }
        defer { cairo_destroy(cr) }
        cairo_scale(cr, Double(width) / figure.width, Double(height) / figure.height)
        FigureDrawer.draw(figure, on: CairoRenderer(context: cr), layers: layers)
        cairo_surface_flush(surface)
        let status = cairo_status(cr)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DneckError.render(file: "(raster)", detail: String(cString: cairo_status_to_string(status)))
        }
    }

    /// Replaces every pixel with those of `other`, a raster of the same size.
    public func copyPixels(from other: Raster) {
        precondition(other.width == width && other.height == height, "rasters differ in size")
        cairo_surface_flush(surface)
        other.withPixels { source in
            cairo_image_surface_get_data(surface)!.update(from: source, count: stride * height)
        }
        cairo_surface_mark_dirty(surface)
    }

    /// Calls `body` with the pixel bytes (BGRA, premultiplied, `stride` bytes a row).
    public func withPixels<T>(_ body: (UnsafePointer<UInt8>) throws -> T) rethrows -> T {
        try body(UnsafePointer(cairo_image_surface_get_data(surface)!))
    }
}
