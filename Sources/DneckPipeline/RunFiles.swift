import DneckCore
import DneckIO
import Foundation

/// The files of one run: a dneck run file holds every split; a deep-bottleneck run is one dump
/// per split (`<stem>_train.h5`, `<stem>_test.h5`), given together or found beside each other.
public struct RunFiles: Sendable, Equatable {
    /// What the run is called: its file name, or a dump's stem without the split.
    public let name: String
    /// The name without extension, for a folder of its own.
    public var stem: String { files.values.allSatisfy({ $0 == files.values.first }) ? URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent : name }
    /// The file of each split the run has.
    public let files: [Split: String]

    /// Every file, in split order, each once.
    public var paths: [String] { Array(NSOrderedSet(array: Split.allCases.compactMap { files[$0] }).array as! [String]) }

    /// `paths` as runs, in command-line order: the dumps of one run, given or beside each other,
    /// become one run.
    public static func group(_ paths: [String]) -> [RunFiles] {
        var runs: [RunFiles] = [], byStem: [String: Int] = [:]
        for path in paths {
            guard let split = RunReader.ownSplit(of: path) else {
                runs.append(RunFiles(name: URL(fileURLWithPath: path).lastPathComponent,
                                     files: Dictionary(uniqueKeysWithValues: Split.allCases.map { ($0, path) })))
                continue
            }
            let url = URL(fileURLWithPath: path), ext = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
            let stem = String(url.deletingPathExtension().path.dropLast(split.rawValue.count + 1))
            if let i = byStem[stem] {
                runs[i] = RunFiles(name: runs[i].name, files: runs[i].files.merging([split: path]) { given, _ in given })
                continue
            }
            var files = [split: path]
            for other in Split.allCases where other != split {
                let sibling = "\(stem)_\(other.rawValue)\(ext)"
                if RunReader.ownSplit(of: sibling) == other { files[other] = sibling }
            }
            byStem[stem] = runs.count
            runs.append(RunFiles(name: URL(fileURLWithPath: stem).lastPathComponent, files: files))
        }
        return runs
    }
}
