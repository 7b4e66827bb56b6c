import DneckFigure
import Foundation

/// The charts, one line each: the subcommands, `charts`, `compare`, `all`, the report, the
/// manifest and the generic tests are made from this list, in this order.
public enum PlotterRegistry {
    public static let plotters: [any BasePlotter.Type] = [
        InfoPlaneChart.self,
        MovieFrameChart.self,
        ActivationsChart.self,
        SingleNeuronChart.self,
        SNRChart.self,
        AccuracyChart.self,
        ActivityChart.self,
        MIEpochsChart.self,
        HealthChart.self,
        EntropyBiasChart.self,
    ]

    /// The charts that take part in `role`, in the list's order.
    public static func plotters(for role: PlotterDescriptor.Role) -> [any BasePlotter.Type] {
        plotters.filter { $0.descriptor.roles.contains(role) }
    }
}

extension PlotterRegistry {
    /// Makes the figure of every chart of `charts` from one run's shared data and hands each to
    /// `write`, the charts spread over every core. Returns, in the order of `charts`, the error
    /// of each chart that failed (nil for those written).
    public static func makeFigures(_ charts: [any BasePlotter], run: RunData, request: FigureRequest,
                                   write: @Sendable (any BasePlotter, Figure) throws -> Void) -> [Error?] {
        var outcomes = [Error?](repeating: nil, count: charts.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: charts.count) { i in
            do {
                try charts[i].checkDrawable(run)
                try write(charts[i], charts[i].figure(run, request: request))
            } catch {
                lock.lock(); outcomes[i] = error; lock.unlock()
            }
        }
        return outcomes
    }
}
