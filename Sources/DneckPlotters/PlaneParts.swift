import DneckCore
import DneckFigure
import DneckMeasures
import Foundation

/// What an information plane draws beyond its points, shared by the plane and the movie's
/// frame: the band between KDE bounds, the spread of several runs, their own faint
/// trajectories, the ceilings log2 N and H(Y) and the estimator's caps, and the footer lines
/// that say what all of it is.
enum PlaneParts {
    /// Every value on one axis a plane of `runs` draws (points, lower bounds, bands, faint
    /// runs, ceilings it shows), so that the panels of a grid share their limits.
    static func values(_ runs: [RunData], request: FigureRequest, x: Bool) -> [Double] {
        runs.flatMap { run -> [Double] in
            let points = run.measures?.points ?? []
            var values = points.map { x ? $0.ixm : $0.iym } + points.compactMap { x ? $0.ixmLower : $0.iymLower }
            if let ensemble = run.ensemble {
                for p in ensemble.aggregate.points {
                    if let band = request.spread.range(x ? p.spreadX : p.spreadY) { values += [band.lowerBound, band.upperBound] }
                }
                if request.showRuns { values += ensemble.runs.flatMap { $0.points.map { x ? $0.ixm : $0.iym } } }
            }
            return values + ceilingsShown(run).filter { $0.onX == x }.map(\.value)
        }
    }

    /// The measured points of `run` itself: each run's own when it aggregates several (they
    /// carry the ceilings and states the aggregate does not).
    static func ownPoints(_ run: RunData) -> [InformationPoint] {
        run.ensemble?.runs.flatMap(\.points) ?? run.measures?.points ?? []
    }

    /// The most the estimates can reach on one axis, drawn as a dashed line and named in the footer.
    struct Ceiling: Equatable {
        let value: Double
        /// On the I(X;M) axis (else I(Y;M)).
        let onX: Bool
        let name: String
    }

    /// log2 N and H(Y), and the estimator's caps (EDGE's U) when an estimate sat at one, each
    /// when the data come within 10 % of it.
    static func ceilingsShown(_ run: RunData) -> [Ceiling] {
        let points = ownPoints(run), drawn = run.measures?.points ?? []
        var candidates: [Ceiling?] = [
            points.compactMap(\.ceilingX).max().map { Ceiling(value: $0, onX: true, name: "log2 N") },
            points.compactMap(\.ceilingY).max().map { Ceiling(value: $0, onX: false, name: "H(Y)") },
        ]
        if run.estimateNotes.hitCap, let cap = run.cap {   // "the cap U = 1 bit of I(Y;M)"
            for (bits, onX) in [(cap.bound.ixm, true), (cap.bound.iym, false)] {
                let name = "\(cap.name) = \(String(format: "%g", bits)) bit\(bits == 1 ? "" : "s") of \(onX ? run.quantity.x : run.quantity.y)"
                candidates.append(Ceiling(value: bits, onX: onX, name: name))
            }
        }
        return candidates.compactMap { ceiling in
            guard let ceiling, ceiling.value > 0,
                  let top = drawn.map({ ceiling.onX ? $0.ixm : $0.iym }).max(), top >= 0.9 * ceiling.value else { return nil }
            return ceiling
        }
    }

    /// Thin dashed lines at the ceilings shown (the footer names them: a legend in the panel
    /// would cover the very points that reach them).
    static func ceilingLines(_ run: RunData, style: Style) -> [Mark] {
        let color = style.foreground.withAlpha(0.55)
        return ceilingsShown(run).map { c in
            c.onX ? .verticalLine(x: c.value, color: color, width: 0.8, dashed: true)
                : .horizontalLine(y: c.value, color: color, width: 0.8, dashed: true)
        }
    }

    /// "dashed: log2 N, H(Y) (the most the estimates can reach)", nil when no ceiling is
    /// drawn; the same words for every run, so that a grid says it once.
    static func ceilingNote(_ run: RunData) -> String? {
        let names = ceilingsShown(run).map(\.name)
        return names.isEmpty ? nil : "dashed: " + names.joined(separator: ", ") + " (the most the estimates can reach)"
    }

    /// The information-bottleneck bound of a plane in bits, I(Y;M) ≤ min(I(X;M), H(Y)): for
    /// deterministic labels no representation lies above it, and it is the IB curve itself
    /// (Kolchinsky, Tracey & Van Kuyk, ICLR 2019). A line from the origin to (H(Y), H(Y)) and on
    /// to the right end of `right`, and the footer line saying it; no line, and a footer line
    /// saying why, for an estimator whose numbers are not bits against H(Y).
    static func ibBound(_ run: RunData, right: Scale) -> (line: [DataPoint]?, note: String) {
        guard run.quantity.bitsCeilings, let h = run.measures?.points.compactMap(\.ceilingY).max() else {
            return (nil, "IB bound not drawn: \(run.estimator) does not give I(Y;M) in bits against H(Y)")
        }
        let end = max(right.domain.upperBound, h)
        return ([DataPoint(0, 0), DataPoint(h, h), DataPoint(end, h)],
                "dark dashed: the IB bound I(Y;M) ≤ min(I(X;M), H(Y)) for deterministic labels (the diagonal up to H(Y) = \(String(format: "%.3f", h)) bits, then level)")
    }

    /// The information-bottleneck curve of `run`'s stochastic labels, level from its last point to
    /// the right end of `right`, and the footer line saying how it was computed; nil when the run
    /// has none (or its estimator does not give bits: `ibBound` says why).
    static func ibCurve(_ run: RunData, right: Scale) -> (line: [DataPoint], note: String)? {
        guard run.quantity.bitsCeilings, let (curve, dataset) = run.ibCurve, let last = curve.points.last else { return nil }
        let line = curve.points.map { DataPoint($0.ixt, $0.ity) } + [DataPoint(max(right.domain.upperBound, last.ixt), last.ity)]
        let grouped = curve.groups < curve.distinctInputs ? " grouped into \(curve.groups)" : ""
        return (line, "dark line: the IB curve of p(y|x) from \(dataset) (I(X;Y) = \(String(format: "%.3f", curve.mutualInformation)) bits; "
                + "\(curve.distinctInputs) distinct rows\(grouped)) by iterative IB, \(curve.betaCount) β values, "
                + "\(curve.settings.restarts) random restarts each, |T| ≤ \(curve.clusters), upper concave envelope")
    }

    /// The band between the KDE bounds: for each point with a lower bound, a translucent box
    /// from the lower bound to the point (the upper bound) in both coordinates.
    static func boundBand(_ points: [InformationPoint], color: (InformationPoint) -> Color) -> [Mark] {
        let bounded = points.filter { $0.lowerBound != nil }
        guard !bounded.isEmpty else { return [] }
        return [.boxes(from: bounded.map { DataPoint($0.ixmLower!, $0.iymLower!) }, to: bounded.map { DataPoint($0.ixm, $0.iym) },
                       colors: bounded.map { color($0).withAlpha(bandAlpha) })]
    }

    /// The band's opacity, also of its legend entry.
    private static let bandAlpha = 0.1

    /// The legend entry of the band between the KDE bounds, when `run` has lower bounds.
    static func bandEntry(_ run: RunData, style: Style) -> Legend.Entry? {
        guard run.measures?.hasLowerBounds == true else { return nil }
        return Legend.Entry(label: "KDE lower to upper bound", color: style.foreground.withAlpha(bandAlpha * 3), symbol: .patch)
    }

    /// Around each aggregated point of `points`, the runs' band in both coordinates: a
    /// translucent ellipse spanning it and a thin cross (visible where one range is empty).
    static func spreads(_ points: [AggregatedPoint], kind: SpreadKind, color: (InformationPoint) -> Color,
                        width: Double) -> [Mark] {
        var marks: [Mark] = []
        var centers: [DataPoint] = [], radii: [DataPoint] = [], colors: [Color] = []
        for p in points {
            guard let bx = kind.range(p.spreadX), let by = kind.range(p.spreadY) else { continue }
            let center = DataPoint((bx.lowerBound + bx.upperBound) / 2, (by.lowerBound + by.upperBound) / 2)
            centers.append(center)
            radii.append(DataPoint((bx.upperBound - bx.lowerBound) / 2, (by.upperBound - by.lowerBound) / 2))
            colors.append(color(p.point).withAlpha(0.18))
            let stroke = color(p.point).withAlpha(0.5)
            marks.append(.line([DataPoint(bx.lowerBound, p.point.iym), DataPoint(bx.upperBound, p.point.iym)], color: stroke, width: width))
            marks.append(.line([DataPoint(p.point.ixm, by.lowerBound), DataPoint(p.point.ixm, by.upperBound)], color: stroke, width: width))
        }
        return centers.isEmpty ? marks : [.ellipses(centers, radii: radii, colors: colors)] + marks
    }

    /// Each run's own path of every layer through `epochs`, faint.
    static func runTrajectories(_ ensemble: Ensemble, epochs: Set<Int>, style: Style) -> [Mark] {
        ensemble.runs.flatMap { table in
            (0..<table.layerCount).map { layer in
                let path = table.points.filter { $0.layer == layer && epochs.contains($0.epoch) }.map { DataPoint($0.ixm, $0.iym) }
                return Mark.line(path, color: style.foreground.withAlpha(0.14), width: 0.7)
            }
        }
    }

    /// The stroke of the rings that mark SNR transitions, in points.
    static let ringWidth = 1.2

    /// A ring around each layer's point at its drift-to-diffusion transition (`run.snrPhases`),
    /// of the transitions at epochs up to `last` (all when nil). None for a run without
    /// gradients, nor for several runs aggregated into one: each run has its own transitions,
    /// and a ring at one run's epoch on the aggregate would say what no run did.
    static func transitionRings(_ run: RunData, upTo last: Int? = nil, diameter: Double, style: Style) -> [Mark] {
        guard let phases = run.snrPhases, let table = run.measures else { return [] }
        let points = table.points.filter { phases.epoch(of: $0.layer) == $0.epoch && $0.epoch <= last ?? .max }
        return points.isEmpty ? [] : [.rings(points.map { DataPoint($0.ixm, $0.iym) }, color: style.foreground, diameter: diameter,
                                             width: ringWidth)]
    }

    /// The legend entry of the rings, when some layer of `run` has a transition: as short as a
    /// layer's name, so that the movie's legend in the plane's corner grows by one row, not wider
    /// (the footer says what the rings are).
    static func transitionEntry(_ run: RunData, style: Style) -> Legend.Entry? {
        run.snrPhases?.any == true ? Legend.Entry(label: "SNR < 1", color: style.foreground, symbol: .ring) : nil
    }

    /// Layers whose I(X;M) reaches log2 N in more than half of their epochs, in any run: there
    /// every sample is its own state and the estimate says nothing about compression.
    static func saturatedLayers(_ run: RunData) -> [Int] {
        let tables = run.ensemble?.runs ?? run.measures.map { [$0] } ?? []
        return Array(Set(tables.flatMap(saturatedLayers))).sorted()
    }

    static func saturatedLayers(_ table: MeasureTable) -> [Int] {
        let byLayer = Dictionary(grouping: table.points, by: \.layer)
        return byLayer.filter { _, points in 2 * points.filter(\.saturatedX).count > points.count }.keys.sorted()
    }

    /// The footer lines of a plane: the estimator, what the KDE bounds (drawn as `bounds` says),
    /// the runs' band, the dashed ceilings and the rings are, and the saturated layers.
    static func footer(_ run: RunData, request: FigureRequest,
                       bounds: String = "point: KDE upper bound; shaded band: from the KDE lower bound to the upper bound in both coordinates")
        -> [String] {
        var lines = [ChartParts.footer(run, estimator: true)]
        if run.measures?.hasLowerBounds == true { lines.append(bounds) }
        if run.estimateNotes.hitCap, let cap = run.cap { lines.append("capped: \(cap.text)") }
        if let ensemble = run.ensemble { lines.append(ensemble.footer(spread: request.spread)) }
        if let note = ceilingNote(run) { lines.append(note) }
        if run.snrPhases?.any == true { lines.append("ring: " + SNRPhases.rule) }
        let saturated = saturatedLayers(run)
        if !saturated.isEmpty { lines.append(saturationNote(saturated)) }
        return lines
    }

    /// "saturated: layers 0, 1 (I(X;M) = log2 N in most epochs)".
    static func saturationNote(_ layers: [Int]) -> String {
        "saturated: layer\(layers.count == 1 ? "" : "s") \(layers.map(String.init).joined(separator: ", ")) "
            + "(I(X;M) = log2 N in most epochs: every sample its own state)"
    }
}

extension RunData {
    /// The layers whose estimate saturates (I(X;M) = log2 N in more than half of their epochs),
    /// for the commands' one warning.
    public var saturatedLayers: [Int] { PlaneParts.saturatedLayers(self) }
}
