import Foundation

/// Mutual information of one layer at one epoch, in bits.
public struct InformationPoint: Sendable, Equatable {
    public var epoch: Int
    public var layer: Int
    /// I(X;M), in bits.
    public var mixm: Double
    /// I(Y;M), in bits.
    public var miym: Double

    public init(epoch: Int, layer: Int, mixm: Double, miym: Double) {
        self.epoch = epoch
        self.layer = layer
        self.mixm = mixm
        self.miym = miym
    }
}

/// The information measures of a run: one point per (epoch, layer), epochs in numeric order.
public struct MeasureTable: Sendable, Equatable {
    public private(set) var points: [InformationPoint]

    public init(points: [InformationPoint]) {
        self.points = points.sorted { ($0.epoch, $0.layer) < ($1.epoch, $1.layer) }
    }

    /// The logged epochs, ascending.
    public var epochs: [Int] {
        var seen: [Int] = []
        for p in points where seen.last != p.epoch { seen.append(p.epoch) }
        return seen
    }

    /// Number of layers (the largest layer index plus one).
    public var layerCount: Int { (points.map(\.layer).max() ?? -1) + 1 }

    /// The points of one epoch, by layer.
    public func points(epoch: Int) -> [InformationPoint] { points.filter { $0.epoch == epoch } }

    /// The table as CSV: `epoch,layer,MI_XM,MI_YM`, 17 significant digits.
    public func csv() -> String {
        var out = "epoch,layer,MI_XM,MI_YM\n"
        for p in points {
            out += "\(p.epoch),\(p.layer),\(formatSignificant(p.mixm)),\(formatSignificant(p.miym))\n"
        }
        return out
    }
}

/// `value` with 17 significant digits, as C's `%.17g` prints it.
public func formatSignificant(_ value: Double) -> String {
    String(format: "%.17g", value)
}
