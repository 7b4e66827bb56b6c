import ArgumentParser

/// Every row of the speed table (the README's, issue 21's) in one invocation: the KDE bounds
/// against numpy on the mixture run, then `all`, the 600 × 900 movie and the chart commands
/// against their matplotlib baselines on the harmonics run, each as alternated single
/// whole-process runs.
struct Speed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole speed table in one invocation: kde-run, all, movie 600x900 and charts, alternated single whole-process runs.",
        discussion: """
        Example (the runs of the README's table):
          dneck-bench speed /tmp/tanh_3000.h5 /tmp/mixture_10000.h5 --runs 5
        """)

    @Argument(help: "The harmonics run (all, the movie, the charts).") var harmonics: String
    @Argument(help: "The run of the KDE bounds (the 10-class gaussian-mixture run with a 1,024-unit layer).") var mixture: String
    @Option(help: "Single whole-process runs of each side, alternated, per job.") var runs = 5
    @Flag(help: "Leave out the KDE rows (about 30 minutes of numpy at five runs).") var noKDE = false

    func run() throws {
        if !noKDE { try KDERun.parse([mixture, "--runs", "\(runs)"]).run() }
        try All.parse([harmonics, "--runs", "\(runs)"]).run()
        try Movie.parse([harmonics, "--sizes", "600x900", "--runs", "\(runs)", "--repeats", "1"]).run()
        try Charts.parse([harmonics, "--runs", "\(runs)", "--repeats", "1"]).run()
    }
}
