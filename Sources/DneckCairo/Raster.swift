import CCairo
import DneckCore
import DneckFigure
import Dispatch

/// A rectangle of pixels, half-open, with even corners (so it covers whole 2×2 chroma blocks).
public struct PixelRegion: Sendable, Equatable {
    public let x0: Int, y0: Int, x1: Int, y1: Int

    /// The pixels covering `rect` (figure points) of `figure`, grown to even corners and
    /// clipped to the even-padded frame of `width × height` pixels.
    public init(covering rect: Rect, of figure: Figure, width: Int, height: Int) {
        let scale = figure.dpi / 72
        let evenWidth = (width + 1) & ~1, evenHeight = (height + 1) & ~1
        func down(_ v: Double) -> Int { max(0, Int((v * scale).rounded(.down)) - 2) & ~1 }
        func up(_ v: Double, _ limit: Int) -> Int { min(limit, (Int((v * scale).rounded(.up)) + 3) & ~1) }
        x0 = down(rect.x); y0 = down(rect.y)
        x1 = up(rect.maxX, evenWidth); y1 = up(rect.maxY, evenHeight)
    }

    /// Pixels `x0..<x1` of rows `y0..<y1`.
    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }

    /// The whole even-padded frame of `width × height` pixels.
    public init(all width: Int, _ height: Int) {
        x0 = 0; y0 = 0; x1 = (width + 1) & ~1; y1 = (height + 1) & ~1
    }
}

/// A figure drawn into pixels: Cairo's ARGB32 image (BGRA bytes on little-endian machines),
/// reusable frame after frame of the same size.
public final class Raster {
    public let width: Int
    public let height: Int
    private let surface: OpaquePointer
    private let memory: LargeBuffer
    /// Bytes allocated past the last row: libswscale reads up to 16 pixels past the pixels it
    /// converts.
    private static let readSlack = 64

    /// A raster of `width × height` transparent black pixels.
    public init(width: Int, height: Int) throws {
        self.width = width
        self.height = height
        let stride = width > 0 && width <= 32767 ? Int(cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, Int32(width))) : -1
        guard stride > 0, height > 0, height <= 32767, let memory = LargeBuffer(count: stride * height + Raster.readSlack),
              let surface = cairo_image_surface_create_for_data(memory.bytes.assumingMemoryBound(to: UInt8.self), CAIRO_FORMAT_ARGB32,
                                                                Int32(width), Int32(height), Int32(stride)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw DneckError.render(file: "(raster)", detail: "cannot create a \(width)×\(height) image")
        }
        self.memory = memory
        self.surface = surface
    }

    deinit { cairo_surface_destroy(surface) }

    /// Bytes from one row to the next.
    public var stride: Int { Int(cairo_image_surface_get_stride(surface)) }

    /// Draws `figure` (or some of its layers) over the whole raster. Shapes get Cairo's 4 × 4
    /// coverage samples, which rasterise busy lines about twice as fast as its finer default,
    /// when the difference cannot be seen: from 200 dpi (a pixel is under 0.36 pt) or for a
    /// frame of a lossy video (`forVideo`), whose encoder rounds away far larger differences.
    /// With `footprint`, every box (figure points) the drawing may paint is handed to it (see
    /// `FootprintRenderer`).
    public func draw(_ figure: Figure, layers: FigureDrawer.Layers = .all, forVideo: Bool = false,
                     footprint: ((Rect) -> Void)? = nil) throws {
        try Raster.draw(figure, layers: layers, forVideo: forVideo, on: surface, rows: nil, footprint: footprint)
    }

    /// `draw` on both cores: the top and bottom halves of the raster are drawn at once, each by
    /// a context of its own on a surface of its own over the same pixels, clipped to its whole
    /// pixel rows. Pixels come out as one pass draws them, but for a smoothly scaled image
    /// (a colorbar), where pixman may round a row by a level or two.
    /// - Parameter then: called on each half's thread once it is done with the half's rows,
    ///   drawn or not (a failure is thrown when both are done), to go on with work of its own.
    public func drawOnTwoCores(_ figure: Figure, layers: FigureDrawer.Layers = .all, then: ((Range<Int>) -> Void)? = nil) throws {
        var failures: [Error?] = [nil, nil]
        failures.withUnsafeMutableBufferPointer { failures in
            let failures = failures
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let rows = half == 0 ? 0..<height / 2 : height / 2..<height
                defer { then?(rows) }
                guard let target = cairo_image_surface_create_for_data(memory.bytes.assumingMemoryBound(to: UInt8.self),
                                                                       CAIRO_FORMAT_ARGB32, Int32(width), Int32(height), Int32(stride)) else {
                    failures[half] = DneckError.render(file: "(raster)", detail: "cannot create a surface")
                    return
                }
                defer { cairo_surface_destroy(target) }
                do {
                    try Raster.draw(figure, layers: layers, forVideo: false, on: target, rows: rows)
                } catch { failures[half] = error }
            }
        }
        cairo_surface_mark_dirty(surface)
        if let failure = failures.compactMap({ $0 }).first { throw failure }
    }

    /// Draws `figure` on `target`, a surface of the figure's pixel size, within device `rows`
    /// (all when nil).
    private static func draw(_ figure: Figure, layers: FigureDrawer.Layers, forVideo: Bool, on target: OpaquePointer,
                             rows: Range<Int>?, footprint: ((Rect) -> Void)? = nil) throws {
        guard let cr = cairo_create(target) else { throw DneckError.render(file: "(raster)", detail: "no Cairo context") }
        defer { cairo_destroy(cr) }
        cairo_scale(cr, Double(figure.pixelWidth) / figure.width, Double(figure.pixelHeight) / figure.height)
        if figure.dpi >= 200 || forVideo { cairo_set_antialias(cr, CAIRO_ANTIALIAS_FAST) }
        let renderer = CairoRenderer(context: cr, rows: rows)
        FigureDrawer.draw(figure, on: footprint.map { FootprintRenderer(forwardingTo: renderer, record: $0) } ?? renderer, layers: layers)
        cairo_surface_flush(target)
        let status = cairo_status(cr)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DneckError.render(file: "(raster)", detail: String(cString: cairo_status_to_string(status)))
        }
    }

    /// Replaces the pixels of `regions` (all of them by default) with those of `other`, a
    /// raster of the same size.
    public func copyPixels(from other: Raster, regions: [PixelRegion]? = nil) {
        precondition(other.width == width && other.height == height, "rasters differ in size")
        cairo_surface_flush(surface)
        let target = cairo_image_surface_get_data(surface)!
        other.withPixels { source in
            for r in regions ?? [PixelRegion(all: width, height)] {
                let (x0, x1) = (min(r.x0, width), min(r.x1, width)), (y0, y1) = (min(r.y0, height), min(r.y1, height))
                guard x1 > x0 else { continue }
                for y in y0..<max(y0, y1) {
                    (target + y * stride + 4 * x0).update(from: source + y * stride + 4 * x0, count: 4 * (x1 - x0))
                }
            }
        }
        cairo_surface_mark_dirty(surface)
    }

    /// Calls `body` with the pixel bytes (BGRA, premultiplied, `stride` bytes a row).
    public func withPixels<T>(_ body: (UnsafePointer<UInt8>) throws -> T) rethrows -> T {
        try body(UnsafePointer(cairo_image_surface_get_data(surface)!))
    }
}
