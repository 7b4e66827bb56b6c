import DneckCore
import DneckMovie
import DneckPlotters
import Foundation

/// The movies of a run that is being written, one per split, kept from one rendering of
/// `watch` to the next so that each encodes only its new frames (`LiveMovie`), their axes held
/// by a `FrameEnvelope` that grows with the data.
public final class LiveMovies: @unchecked Sendable {
    private let lock = NSLock()
    private let settings: MovieSettings
    private var movies: [Split: (movie: LiveMovie, envelope: FrameEnvelope?)] = [:]

    public init(settings: MovieSettings) { self.settings = settings }

    /// Writes the movie of `data` (one split; each split from one thread at a time) to `url`.
    func write(_ data: RunData, request: FigureRequest, options: EpochAxisOptions, size: (width: Double, height: Double),
               to url: URL) throws {
        lock.lock()
        let held = movies[data.split] ?? (LiveMovie(settings: settings), nil)
        lock.unlock()
        let envelope = FrameEnvelope.covering(data, request: request, previous: held.envelope)
        let frames = MovieFrames(run: data, request: request, options: options, size: size, envelope: envelope)
        if frames.count > 0 {
            try held.movie.update(count: frames.count, template: frames.figure(0).laidOut(), marks: frames.marks, to: url)
        }
        lock.lock()
        movies[data.split] = (held.movie, envelope)
        lock.unlock()
    }
}
