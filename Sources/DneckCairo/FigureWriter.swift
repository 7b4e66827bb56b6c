import CCairo
import DneckCore
import DneckFigure
import Foundation

/// Writes a figure to a file whose extension picks the format: `.png` (raster at the
/// figure's dpi), `.svg` or `.pdf` (vector). The file appears complete or not at all.
public enum FigureWriter {
    public enum Format: String, CaseIterable, Sendable { case png, svg, pdf }

    /// The format of `url`'s extension, or an error naming the supported ones.
    public static func format(of url: URL) throws -> Format {
        var folder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &folder), folder.boolValue {
            throw DneckError.invalidOption(name: url.path, detail: "is a folder; -o takes a file ending in .png, .svg or .pdf")
        }
        guard let format = Format(rawValue: url.pathExtension.lowercased()) else {
            throw DneckError.invalidOption(name: url.path, detail: "unsupported output format '.\(url.pathExtension)'; use .png, .svg or .pdf")
        }
        return format
    }

    /// The largest raster a PNG is drawn on: Cairo's side limit, and 1 GiB of pixels.
    public static let maximumSide = 32767
    public static let maximumPixels = 1 << 28

    public static func write(_ figure: Figure, to url: URL) throws {
        do { try draw(figure, to: url) } catch let error as DneckError { throw error.naming(url.path) }
    }

    private static func draw(_ figure: Figure, to url: URL) throws {
        let format = try format(of: url)
        let figure = figure.laidOut()
        try AtomicOutput.write(to: url) { temporary in
            switch format {
            case .png:
                let (w, h) = (figure.pixelWidth, figure.pixelHeight)
                guard w <= maximumSide, h <= maximumSide, w * h <= maximumPixels else {
                    throw DneckError.render(file: url.path, detail: "a \(w) × \(h) pixel image is larger than this tool draws "
                                            + "(\(maximumSide) pixels a side, \(maximumPixels >> 20) Mi pixels); lower --dpi or figure_size")
                }
                // Drawn on the new raster's transparent black and laid over the background while
                // encoding: what is never drawn on is never written (nor even materialised).
                let raster = try Raster(width: figure.pixelWidth, height: figure.pixelHeight)
                let png = try PNGEncoder.drawAndEncode(figure, layers: [.decorations, .marks], on: raster, over: figure.style.background)
                try AtomicOutput.writeAll(png, to: temporary, reportingAs: url)
            case .svg, .pdf:
                let surface = format == .svg
                    ? cairo_svg_surface_create(temporary.path, figure.width, figure.height)
                    : cairo_pdf_surface_create(temporary.path, figure.width, figure.height)
                guard let surface else { throw DneckError.render(file: url.path, detail: "cannot create surface") }
                defer { cairo_surface_destroy(surface) }
                if format == .pdf {
                    // A fixed date keeps the PDF byte-identical from run to run.
                    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z")
                    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "dneck-plot")
                }
                let cr = cairo_create(surface)
                FigureDrawer.draw(figure, on: CairoRenderer(context: cr!))
                cairo_destroy(cr)
                cairo_surface_finish(surface)
                let status = cairo_surface_status(surface)
                guard status == CAIRO_STATUS_SUCCESS else {
                    throw DneckError.render(file: url.path, detail: String(cString: cairo_status_to_string(status)))
                }
                if format == .svg {
                    let written = try Data(contentsOf: temporary)
                    try AtomicOutput.writeAll(renumberingSurfaces(Array(written)), to: temporary, reportingAs: url)
                }
            }
        }
    }
}

/// `svg` with the identifiers cairo numbers by one counter for the whole process
/// (`surface<N>`, `image<N>`, `source-<N>`) renumbered 1, 2, … per kind in order of first
/// appearance: otherwise the same figure would name its groups and images after however many
/// surfaces the process made before it (a watch that rendered many times, an `all` that made
/// other charts first).
func renumberingSurfaces(_ svg: [UInt8]) -> [UInt8] {
    let kinds = ["surface", "image", "source-"].map { Array($0.utf8) }
    let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
    var numbers = [[ArraySlice<UInt8>: Int]](repeating: [:], count: kinds.count)
    var out: [UInt8] = []
    out.reserveCapacity(svg.count)
    var i = 0
    scanning: while i < svg.count {
        for (k, word) in kinds.enumerated() where svg[i] == word[0] && i + word.count < svg.count
            && svg[i..<i + word.count].elementsEqual(word) && digits.contains(svg[i + word.count]) {
            var end = i + word.count
            while end < svg.count, digits.contains(svg[end]) { end += 1 }
            let old = svg[i + word.count..<end]
            let number = numbers[k][old] ?? (numbers[k].count + 1)
            numbers[k][old] = number
            out += word + Array(String(number).utf8)
            i = end
            continue scanning
        }
        out.append(svg[i])
        i += 1
    }
    return out
}
