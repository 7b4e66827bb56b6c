import CCairo
import DneckFigure
import Foundation

/// Draws figure primitives with Cairo on any Cairo surface (image, SVG, PDF). Coordinates are
/// figure points; the context is scaled once from the dpi. Text goes through Cairo's font
/// selection (fontconfig), so the named family is a real installed font.
public final class CairoRenderer: Renderer {
    private let cr: OpaquePointer

    /// Device rows the renderer never draws outside (all when nil).
    private let rows: Range<Int>?

    /// A renderer on `context`, already scaled to points, drawing only within device `rows`.
    init(context: OpaquePointer, rows: Range<Int>? = nil) {
        cr = context
        self.rows = rows
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        CairoRenderer.useLinearMetrics(cr)
        clipToRows()
    }

    /// Text advances unrounded to device pixels, so measured text is the same at every dpi.
    static func useLinearMetrics(_ cr: OpaquePointer) {
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
    }

    /// Restricts drawing to `rows` (device pixels), if any.
    private func clipToRows() {
        guard let rows else { return }
        cairo_save(cr)
        cairo_identity_matrix(cr)
        cairo_rectangle(cr, 0, Double(rows.lowerBound), 1e6, Double(rows.count))
        cairo_restore(cr)
        cairo_clip(cr)
    }

    /// Whether all a shape within the box from `low` to `high` (points, grown by `margin`) may
    /// paint lies outside the rows this renderer draws, so that skipping it changes no pixel:
    /// each of `Raster.drawOnTwoCores`' halves hands Cairo only the shapes that reach it. One
    /// device pixel of slack covers antialiasing; line joins are bevelled, so nothing reaches
    /// further. A box with a non-finite corner is never skipped.
    private func misses(low: Point, high: Point, margin: Double) -> Bool {
        guard let rows else { return false }
        var top = Double.infinity, bottom = -Double.infinity
        for corner in [Point(low.x - margin, low.y - margin), Point(high.x + margin, low.y - margin),
                       Point(low.x - margin, high.y + margin), Point(high.x + margin, high.y + margin)] {
            var (x, y) = (corner.x, corner.y)
            cairo_user_to_device(cr, &x, &y)
            guard y.isFinite else { return false }
            top = min(top, y); bottom = max(bottom, y)
        }
        return bottom < Double(rows.lowerBound) - 1 || top > Double(rows.upperBound) + 1
    }

    /// `misses` for the box around `points`.
    private func misses(_ points: [Point], margin: Double) -> Bool {
        guard rows != nil, var low = points.first, var high = points.first else { return false }
        for p in points {
            guard p.x.isFinite, p.y.isFinite else { return false }
            low = Point(min(low.x, p.x), min(low.y, p.y)); high = Point(max(high.x, p.x), max(high.y, p.y))
        }
        return misses(low: low, high: high, margin: margin)
    }

    public func clear(_ color: Color) {
        cairo_save(cr)
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        set(color)
        cairo_paint(cr)   // no path to rasterise: pixman fills the pixels directly
        cairo_restore(cr)
    }

    public func fill(_ rect: Rect, color: Color) {
        if misses(low: Point(rect.x, rect.y), high: Point(rect.maxX, rect.maxY), margin: 0) { return }
        set(color)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(cr)
    }

    public func stroke(_ points: [Point], color: Color, width: Double, dashed: Bool) {
        guard let first = points.first, !misses(points, margin: width / 2) else { return }
        set(color)
        cairo_set_line_width(cr, width)
        if dashed {
            let pattern = [width * 3.7, width * 1.6]
            cairo_set_dash(cr, pattern, 2, 0)
        }
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        cairo_stroke(cr)
        if dashed { cairo_set_dash(cr, nil, 0, 0) }
    }

    public func circle(center: Point, diameter: Double, fill: Color, edge: Color?, edgeWidth: Double) {
        let r = diameter / 2
        if misses(low: Point(center.x - r, center.y - r), high: Point(center.x + r, center.y + r), margin: edge == nil ? 0 : edgeWidth / 2) {
            return
        }
        cairo_new_sub_path(cr)
        cairo_arc(cr, center.x, center.y, r, 0, 2 * Double.pi)
        fillPath(fill, edge: edge, edgeWidth: edgeWidth)
    }

    public func polygon(_ points: [Point], fill: Color, edge: Color?, edgeWidth: Double) {
        guard let first = points.first, !misses(points, margin: edge == nil ? 0 : edgeWidth / 2) else { return }
        cairo_new_sub_path(cr)
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        cairo_close_path(cr)
        fillPath(fill, edge: edge, edgeWidth: edgeWidth)
    }

    /// Fills the current path, then strokes it with `edge` when given.
    private func fillPath(_ fill: Color, edge: Color?, edgeWidth: Double) {
        set(fill)
        if let edge {
            cairo_fill_preserve(cr)
            set(edge)
            cairo_set_line_width(cr, edgeWidth)
            cairo_stroke(cr)
        } else {
            cairo_fill(cr)
        }
    }

    public func measure(_ text: String, size: Double, bold: Bool, fontFamily: String) -> TextMetrics {
        CairoRenderer.measure(text, size: size, bold: bold, fontFamily: fontFamily, on: cr)
    }

    /// `text`'s metrics on `cr` (linear metrics: the same at every resolution).
    static func measure(_ text: String, size: Double, bold: Bool, fontFamily: String, on cr: OpaquePointer) -> TextMetrics {
        cairo_save(cr)
        defer { cairo_restore(cr) }
        cairo_set_font_face(cr, FontFaces.shared.face(family: fontFamily, bold: bold))
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        var reference = cairo_text_extents_t()
        cairo_text_extents(cr, "H(|", &reference)
        var font = cairo_font_extents_t()
        cairo_font_extents(cr, &font)
        // Ascent: the tallest of capitals and brackets, so ordinary text fits its box; descent:
        // the font's. Both are the same for every text of a font, so texts share baselines.
        return TextMetrics(width: max(extents.x_advance, extents.x_bearing + extents.width),
                           ascent: -reference.y_bearing, descent: font.descent, fontAscent: font.ascent)
    }

    public func text(_ item: TextItem, fontFamily: String) {
        let metrics = measure(item.text, size: item.size, bold: item.bold, fontFamily: fontFamily)
        let (dx, dy) = item.baselineOffset(metrics)
        if rows != nil {
            // The text's box, a font size wider all round (glyphs may reach past their metrics).
            let angle = -item.rotation * Double.pi / 180, (c, s) = (cos(angle), sin(angle))
            let corners = [(dx, dy - metrics.fontAscent), (dx + metrics.width, dy - metrics.fontAscent),
                           (dx, dy + metrics.descent), (dx + metrics.width, dy + metrics.descent)]
                .map { Point(item.at.x + $0.0 * c - $0.1 * s, item.at.y + $0.0 * s + $0.1 * c) }
            if misses(corners, margin: item.size) { return }
        }
        cairo_save(cr)
        cairo_set_font_face(cr, FontFaces.shared.face(family: fontFamily, bold: item.bold))
        cairo_set_font_size(cr, item.size)
        cairo_translate(cr, item.at.x, item.at.y)
        cairo_rotate(cr, -item.rotation * Double.pi / 180)
        cairo_move_to(cr, dx, dy)
        set(item.color)
        cairo_show_text(cr, item.text)
        cairo_restore(cr)
    }

    public func ellipse(center: Point, radiusX: Double, radiusY: Double, fill: Color) {
        guard radiusX > 0, radiusY > 0,
              !misses(low: Point(center.x - radiusX, center.y - radiusY), high: Point(center.x + radiusX, center.y + radiusY), margin: 0)
        else { return }
        cairo_save(cr)
        cairo_translate(cr, center.x, center.y)
        cairo_scale(cr, radiusX, radiusY)
        cairo_new_sub_path(cr)
        cairo_arc(cr, 0, 0, 1, 0, 2 * Double.pi)
        cairo_restore(cr)
        set(fill)
        cairo_fill(cr)
    }

    public func image(columns: Int, rows: Int, colors: [Color], in rect: Rect) {
        guard columns > 0, rows > 0, rect.width > 0, rect.height > 0,
              !misses(low: Point(rect.x, rect.y), high: Point(rect.maxX, rect.maxY), margin: 0) else { return }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(columns), Int32(rows)) else { return }
        defer { cairo_surface_destroy(surface) }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        if let data = cairo_image_surface_get_data(surface) {
            for row in 0..<rows {
                let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
                for column in 0..<columns { line[column] = CairoRenderer.premultipliedARGB(colors[row * columns + column]) }
            }
        }
        cairo_surface_mark_dirty(surface)
        cairo_save(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
        cairo_translate(cr, rect.x, rect.y)
        cairo_scale(cr, rect.width / Double(columns), rect.height / Double(rows))
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD)
        cairo_paint(cr)
        cairo_restore(cr)
    }

    public func clip(_ rect: Rect?) {
        cairo_reset_clip(cr)
        clipToRows()
        if let rect {
            cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
            cairo_clip(cr)
        }
    }

    private func set(_ c: Color) {
        cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a)
    }

    /// Cairo's ARGB32 pixel (premultiplied, native-endian) for `c`.
    static func premultipliedARGB(_ c: Color) -> UInt32 {
        let a = Color.byte(c.a)
        let scale = Double(a) / 255
        return UInt32(a) << 24 | UInt32(Color.byte(c.r * scale)) << 16 | UInt32(Color.byte(c.g * scale)) << 8
            | UInt32(Color.byte(c.b * scale))
    }
}

/// Cairo font faces by family and weight, looked up through fontconfig once per process.
final class FontFaces: @unchecked Sendable {
    static let shared = FontFaces()
    private let lock = NSLock()
    private var faces: [String: OpaquePointer] = [:]

    func face(family: String, bold: Bool) -> OpaquePointer? {
        lock.lock(); defer { lock.unlock() }
        let key = "\(family)|\(bold)"
        if let face = faces[key] { return face }
        let face = cairo_toy_font_face_create(family, CAIRO_FONT_SLANT_NORMAL,
                                              bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        faces[key] = face   // kept for the life of the process
        return face
    }
}

/// Measures text as `CairoRenderer` draws it, for laying out a figure before any surface
/// exists; safe from any thread, each measurement cached.
public final class CairoTextMeasurer: TextMeasurer, @unchecked Sendable {
    public static let shared = CairoTextMeasurer()
    private let lock = NSLock()
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    private var cache: [String: TextMetrics] = [:]

    private init() {
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)
        cr = cairo_create(surface)
        CairoRenderer.useLinearMetrics(cr)
    }

    /// Loads `fontFamily` in both weights on another thread (fontconfig's configuration, the
    /// font files: about 5 ms), for a command to call before it reads its run, so the first
    /// measurement finds the fonts ready. A measurement meanwhile waits for it.
    public func prepare(fontFamily: String) {
        DispatchQueue.global().async {
            for bold in [false, true] { _ = self.measure("0", size: 10, bold: bold, fontFamily: fontFamily) }
        }
    }

    public func measure(_ text: String, size: Double, bold: Bool, fontFamily: String) -> TextMetrics {
        let key = "\(fontFamily)|\(size)|\(bold)|\(text)"
        lock.lock(); defer { lock.unlock() }
        if let known = cache[key] { return known }
        let metrics = CairoRenderer.measure(text, size: size, bold: bold, fontFamily: fontFamily, on: cr)
        cache[key] = metrics
        return metrics
    }
}

extension Figure {
    /// The figure with every frame and text placed, measured with Cairo (a figure already laid
    /// out is returned as it is).
    public func laidOut() -> Figure {
        isLaidOut ? self : FigureLayout.place(self, measurer: CairoTextMeasurer.shared)
    }
}
