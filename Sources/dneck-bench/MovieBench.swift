import ArgumentParser

struct Movie: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Information-plane movie vs matplotlib's FFMpegWriter.")
    func run() throws { throw ValidationError("not yet") }
}
