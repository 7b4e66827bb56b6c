@testable import DneckMeasures
import DneckCore

/// The survey's counting loop on one matrix, for the histogram tests.
extension ActivationSurvey {
    /// Counts of all the values of `m` over `bins`.
    static func histogram(_ m: Matrix, bins: HistogramBins) -> [Int] {
        tally(m, layerBins: BinLookup(bins), neuronBins: [], rule: nil).layer
    }

    /// Counts of each of the first `bins.count` columns of `m`, column j over `bins[j]`.
    static func columnHistograms(_ m: Matrix, bins: [HistogramBins]) -> [[Int]] {
        tally(m, layerBins: nil, neuronBins: bins, rule: nil).neurons
    }
}
