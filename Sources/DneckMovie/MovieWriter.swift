import DneckCairo
import DneckCore
import DneckFigure
import Foundation

/// Writes a movie of figures: frame k + 1 is drawn on the calling thread while frame k is
/// converted and encoded on another, through two alternating rasters and frames. Every frame
/// must share the decorations of frame 0 (fixed axes, titles, colorbars: see
/// `FigureDrawer.Layers`): they are drawn and converted once, and each frame restores them only
/// where marks can be (`FigureDrawer.marksRegion`), draws its marks there and converts just that
/// region, which spares most of the memory traffic at high resolution. The movie appears at
/// `url` complete, or not at all (failure, SIGINT, SIGTERM).
public enum MovieWriter {
    /// Draws `count` frames with `frame(k)` and encodes them into `url`.
    /// - Parameters:
    ///   - width, height: raster size in pixels (the figures' pixel size).
    public static func write(to url: URL, count: Int, width: Int, height: Int, settings: MovieSettings,
                             progress: ProgressBar? = nil, frame figure: (Int) -> Figure) throws {
        try AtomicOutput.write(to: url) { temporary in
            let encoder = try MovieEncoder(path: temporary.path, width: width, height: height, settings: settings)
            let slots = 3
            let rasters = try (0..<slots).map { _ in try Raster(width: width, height: height) }
            let frames = try (0..<slots).map { _ in try encoder.makeFrame() }
            let first = figure(0)
            let decorations = try Raster(width: width, height: height)
            try decorations.draw(first, layers: .decorations)
            let region = PixelRegion(covering: FigureDrawer.marksRegion(first), of: first, width: width, height: height)
            for slot in 0..<slots {
                rasters[slot].copyPixels(from: decorations)
                try frames[slot].fill(from: decorations)
            }
            let free = DispatchSemaphore(value: slots)
            let queue = DispatchQueue(label: "dneck.movie.encode")
            let failure = FailureBox()
            for k in 0..<count {
                free.wait()
                if let error = failure.error { throw error }
                let slot = k % slots
                rasters[slot].copyPixels(from: decorations, region: region)
                try rasters[slot].draw(figure(k), layers: .marks)
                try frames[slot].fill(from: rasters[slot], region: region)
                queue.async {
                    defer { free.signal() }
                    guard failure.error == nil else { return }
                    do {
                        try encoder.encode(frames[slot])
                        progress?.advance()
                    } catch { failure.set(error) }
                }
            }
            queue.sync {}
            if let error = failure.error { throw error }
            try encoder.finish()
            progress?.finish()
        }
    }

    /// The first error of the encoding thread.
    private final class FailureBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Error?
        var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
        func set(_ error: Error) { lock.lock(); if stored == nil { stored = error }; lock.unlock() }
    }
}
