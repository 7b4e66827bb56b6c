import DneckCairo
import DneckCore
import DneckFigure
import Foundation

/// Writes a movie of figures. Two drawing threads draw and convert frames ahead into a ring of
/// slots (two rasters + YUV frame) while the calling thread hands the finished ones to the encoder
/// in order (threads of their own: see `startLongTask`); at small sizes drawing is the larger cost, at large ones encoding, and both
/// overlap on the two cores.
///
/// Every frame must share the decorations of frame 0 (fixed axes, titles, colorbars: see
/// `FigureDrawer.Layers`): they are drawn and converted once, and each frame restores them only
/// where the marks drawn before them were (`FigureDrawer.marksRegion` cut into a `TileGrid`),
/// draws its marks and converts just the tiles where it differs from the frame its slot held
/// before (a frame moves a few points and lines). The movie appears at
/// `url` complete, or not at all (failure, SIGINT, SIGTERM).
public enum MovieWriter {
    /// Slots in the ring between the drawing workers and the encoder.
    static let slots = 2
    /// Frames drawn at once (a multiple of which `slots` is).
    static let drawingWorkers = 2

    /// Draws `count` frames with `frame(k)` (called from several threads) and encodes them
    /// into `url`: the first frame's decorations once, each frame's marks over
    /// them, so no decoration may change from frame to frame (`MovieFrameChart` makes them without the frame); advancing `progress` a frame at a time (its caller ends it).
    /// - Parameters:
    ///   - width, height: raster size in pixels (the figures' pixel size).
    public static func write(to url: URL, count: Int, width: Int, height: Int, settings: MovieSettings,
                             progress: ProgressBar? = nil, frame figure: @escaping @Sendable (Int) throws -> Figure) throws {
        do { try encode(to: url, count: count, width: width, height: height, settings: settings, progress: progress, frame: figure) }
        catch let error as DneckError { throw error.naming(url.path) }   // errors name the movie, not its temporary file
    }

    private static func encode(to url: URL, count: Int, width: Int, height: Int, settings: MovieSettings,
                               progress: ProgressBar?, frame figure: @escaping @Sendable (Int) throws -> Figure) throws {
        try AtomicOutput.write(to: url) { temporary in
            let encoder = try MovieEncoder(path: temporary.path, width: width, height: height, settings: settings)
            let first = try figure(0)
            // Rasters of the movie's even size: the background layer covers the padding too.
            let decorations = try Raster(width: encoder.width, height: encoder.height)
            try decorations.draw(first, layers: [.background, .decorations], forVideo: true)
            let grid = TileGrid(region: PixelRegion(covering: FigureDrawer.marksRegion(first), of: first, width: width, height: height))
            let ring = try (0..<slots).map { _ in try Slot(decorations: decorations, grid: grid, encoder: encoder) }
            // Drawing worker w draws frames w, w + drawingWorkers, …, each into slot k % slots
            // once the encoder has freed it; the encoder takes the slots in frame order.
            let failure = FailureBox()
            let drawn = DispatchGroup()
            for worker in 0..<drawingWorkers {
                startLongTask(in: drawn) {
                    for k in stride(from: worker, to: count, by: drawingWorkers) {
                        let slot = ring[k % slots]
                        slot.free.wait()
                        defer { slot.ready.signal() }
                        guard !failure.stopped else { continue }
                        do { try slot.draw(try figure(k), over: decorations, grid: grid) } catch { failure.set(error) }
                    }
                }
            }
            defer {
                // On failure, stop and release the workers so that they end before the slots go away.
                failure.stop()
                for slot in ring { for _ in 0..<count { slot.free.signal() } }
                drawn.wait()
            }
            for k in 0..<count {
                let slot = ring[k % slots]
                slot.ready.wait()
                if let error = failure.error { throw error }
                try encoder.encode(slot.frame)
                progress?.advance()
                slot.free.signal()
            }
            try encoder.finish()
        }
    }

    /// The YUV frame of one slot and the raster it was converted from, with a second raster to
    /// draw the next frame into; outside the marks region all three always hold the decorations,
    /// and inside it each raster remembers the tiles where its marks are.
    private final class Slot: @unchecked Sendable {
        private var shown: Raster
        private var next: Raster
        /// Tiles holding all of `shown`'s, `next`'s marks (their drawing's footprint); elsewhere
        /// each raster is the decorations.
        private var shownMarks: [Bool]
        private var nextMarks: [Bool]
        let frame: VideoFrame
        /// Signalled when the encoder has taken the slot's frame (it starts free) ...
        let free = DispatchSemaphore(value: 1)
        /// ... and when a worker has drawn the next frame into it.
        let ready = DispatchSemaphore(value: 0)

        init(decorations: Raster, grid: TileGrid, encoder: MovieEncoder) throws {
            shownMarks = Array(repeating: false, count: grid.count)
            nextMarks = shownMarks
            shown = try Raster(width: decorations.width, height: decorations.height)
            next = try Raster(width: decorations.width, height: decorations.height)
            shown.copyPixels(from: decorations)
            next.copyPixels(from: decorations)
            frame = try encoder.makeFrame()
            try frame.fill(from: decorations)
        }

        /// Draws `figure`'s marks over the decorations (restored only where the raster's last
        /// marks were) and converts the tiles where the frame differs from the slot's previous
        /// one, looking only where the marks of either are.
        func draw(_ figure: Figure, over decorations: Raster, grid: TileGrid) throws {
            next.copyPixels(from: decorations, regions: grid.runs(nextMarks))
            var boxes: [Rect] = []
            try next.draw(figure, layers: .marks, forVideo: true) { boxes.append($0) }
            nextMarks = grid.tiles(covering: boxes, scale: (Double(figure.pixelWidth) / figure.width,
                                                            Double(figure.pixelHeight) / figure.height))
            // Where neither frame has marks, both are the decorations.
            let changed = grid.differing(next, shown, among: zip(nextMarks, shownMarks).map { $0 || $1 })
            try frame.fill(from: next, tiles: changed, of: grid)
            swap(&shown, &next)
            swap(&shownMarks, &nextMarks)
        }
    }

    /// The first error of any thread, and whether the drawing should stop.
    private final class FailureBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Error?
        private var halted = false
        var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
        /// True after an error or `stop()`.
        var stopped: Bool { lock.lock(); defer { lock.unlock() }; return halted || stored != nil }
        func set(_ error: Error) { lock.lock(); if stored == nil { stored = error }; lock.unlock() }
        func stop() { lock.lock(); halted = true; lock.unlock() }
    }
}
