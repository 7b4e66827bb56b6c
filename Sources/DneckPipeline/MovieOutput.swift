import DneckCore
import DneckMovie
import DneckPlotters
import Foundation

/// Encodes `frames` into `target`, every frame in the first one's layout (the decorations are
/// drawn once: see `MovieWriter`), advancing `progress` a frame at a time.
public func writeMovie(_ frames: MovieFrames, to target: URL, settings: MovieSettings, progress: ProgressBar) throws {
    let sample = frames.figure(0).laidOut()
    try MovieWriter.write(to: target, count: frames.count, width: sample.pixelWidth, height: sample.pixelHeight,
                          settings: settings, progress: progress) { frames.figure($0, laidOutAs: sample) }
}
