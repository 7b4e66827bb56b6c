import DneckCore
import DneckIO
import Foundation

/// The files of one run: a dneck run file holds every split; a deep-bottleneck run is one dump
/// per split (`<stem>_train.h5`, `<stem>_test.h5`), given together or found beside each other.
public struct RunFiles: Sendable, Equatable {
    /// What the run is called: its file name, or a dump's stem without the split.
    public let name: String
    /// The name for a folder of its own: the file's name without its extension, or a dump's stem.
    public let stem: String
    /// The file of each split the run has, as given (a sibling found beside a dump, in the
    /// dump's own form).
    public let files: [Split: String]

    /// Every file, in split order, each once.
    public var paths: [String] {
        Split.allCases.compactMap { files[$0] }.uniqued()
    }

    /// `paths` as runs, in command-line order: the dumps of one run, given or beside each other,
    /// become one run.
    public static func group(_ paths: [String]) -> [RunFiles] {
        var runs: [RunFiles] = [], byStem: [String: Int] = [:]
        for path in paths {
            guard let split = RunReader.ownSplit(of: path) else {
                let name = URL(fileURLWithPath: path).lastPathComponent
                runs.append(RunFiles(name: name, stem: URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent,
                                     files: Dictionary(uniqueKeysWithValues: Split.allCases.map { ($0, path) })))
                continue
            }
            // The path as given, up to "_<split>", and its extension after it.
            let ext = URL(fileURLWithPath: path).pathExtension, suffix = "_\(split.rawValue)" + (ext.isEmpty ? "" : "." + ext)
            let stem = String(path.dropLast(suffix.count))
            if let i = byStem[stem] {
                runs[i] = RunFiles(name: runs[i].name, stem: runs[i].stem, files: runs[i].files.merging([split: path]) { _, given in given })
                continue
            }
            var files = [split: path]
            for other in Split.allCases where other != split {
                let sibling = "\(stem)_\(other.rawValue)" + (ext.isEmpty ? "" : "." + ext)
                if RunReader.ownSplit(of: sibling) == other { files[other] = sibling }
            }
            byStem[stem] = runs.count
            let name = URL(fileURLWithPath: stem).lastPathComponent
            runs.append(RunFiles(name: name, stem: name, files: files))
        }
        return runs
    }
}
