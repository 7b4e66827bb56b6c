import ArgumentParser

struct MovieCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "movie", abstract: "Information-plane movie (MP4).")
    func run() throws {}
}
