import Foundation

/// A labelled tick on an axis.
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var label: String
    public init(value: Double, label: String) { self.value = value; self.label = label }
}

/// Tick placement: a port of matplotlib's `MaxNLocator` (Heckbert's nice numbers made robust)
/// for linear axes, and decades for log axes.
public enum Ticker {
    /// The steps a tick interval may take, times a power of ten: 1-2-5.
    public static let niceSteps: [Double] = [1, 2, 5, 10]

    /// At most `maxBins + 1` nice tick values covering `lo...hi`, as `MaxNLocator(nbins,
    /// steps)` gives them, then kept to those inside the range.
    public static func linearTicks(_ lo: Double, _ hi: Double, maxBins: Int, steps: [Double] = niceSteps) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        // A span beyond Double's range (say −1e308...1e308): the ticks of half the range, doubled.
        guard (hi - lo).isFinite else { return linearTicks(lo / 2, hi / 2, maxBins: maxBins, steps: steps).map { $0 * 2 } }
        let (vmin, vmax) = nonsingular(lo, hi)
        let nbins = Double(max(maxBins, 1))
        let (scale, offset) = scaleRange(vmin, vmax, nbins)
        let low = vmin - offset, high = vmax - offset
        let extended = steps.dropLast().map { $0 * 0.1 } + steps + [10 * steps[1]]
        let candidates = extended.map { $0 * scale }
        let rawStep = (high - low) / nbins
        let firstLarge = candidates.firstIndex { $0 >= rawStep } ?? candidates.count - 1
        var ticks: [Double] = []
        for step in candidates[...firstLarge].reversed() {
            let edge = EdgeInteger(step: step, offset: offset)
            let best = (low / step).rounded(.down) * step
            let first = edge.le(low - best), last = edge.ge(high - best)
            guard first.isFinite, last.isFinite, last - first <= 1000 else { continue }   // never a runaway count
            ticks = stride(from: first, through: last, by: 1).map { $0 * step + best }
            if ticks.filter({ $0 >= low && $0 <= high }).count >= 2 { break }
        }
        let span = vmax - vmin
        return ticks.map { $0 + offset }.filter { $0 >= vmin - span * 1e-10 && $0 <= vmax + span * 1e-10 }
    }

    /// matplotlib's tick budget for an axis: its length over three (x) or two (y) font sizes,
    /// clipped to 1...9.
    public static func maxBins(axisLength: Double, fontSize: Double, horizontal: Bool) -> Int {
        let perTick = fontSize * (horizontal ? 3 : 2)
        return min(max(Int((axisLength / perTick).rounded(.down)), 1), 9)
    }

    /// Ticks with labels for a scale drawn `axisLength` points long.
    public static func ticks(for scale: Scale, axisLength: Double, fontSize: Double, horizontal: Bool) -> [Tick] {
        let d = scale.domain
        switch scale {
        case .linear:
            let values = linearTicks(d.lowerBound, d.upperBound,
                                     maxBins: maxBins(axisLength: axisLength, fontSize: fontSize, horizontal: horizontal))
            return zip(values, labels(values)).map { Tick(value: $0, label: $1) }
        case .log:
            let budget = min(7, maxBins(axisLength: axisLength, fontSize: fontSize, horizontal: horizontal))
            return logTicks(d.lowerBound, d.upperBound, maxTicks: budget).map { Tick(value: $0, label: logLabel($0)) }
        case .symlog:
            return symlogTicks(d.lowerBound, d.upperBound).map { Tick(value: $0, label: labels([$0])[0]) }
        }
    }

    /// 0 and the log ticks of each side of a symmetric-log range: 0, 1, 10, 100 … (and their
    /// negatives).
    public static func symlogTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let positive = hi >= 1 ? logTicks(max(lo, 1), hi) : []
        let negative = lo <= -1 ? logTicks(max(-hi, 1), -lo).map { -$0 } : []
        return (negative + (lo <= 0 && hi >= 0 ? [0] : []) + positive).sorted()
    }

    /// Decades inside `lo...hi`, every k-th one when there are more than `maxTicks` (a short
    /// axis gets fewer labels); 2× and 5× a decade are added when the range spans less than
    /// two decades.
    public static func logTicks(_ lo: Double, _ hi: Double, maxTicks: Int = 7) -> [Double] {
        let first = Int(log10(lo).rounded(.up) - 1e-9 > log10(lo) ? log10(lo).rounded(.up) : log10(lo).rounded(.up))
        let last = Int(log10(hi).rounded(.down))
        var exponents = first <= last ? Array(first...last) : []
        let every = max(1, (exponents.count + maxTicks - 1) / max(maxTicks, 1))
        exponents = exponents.filter { ($0 - first) % every == 0 }
        var ticks = exponents.map { pow(10, Double($0)) }
        if ticks.count < 2 {
            let base = Int(log10(lo).rounded(.down))
            for e in base...max(base, last + 1) {
                for m in [1.0, 2.0, 5.0] {
                    let v = m * pow(10, Double(e))
                    if v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) { ticks.append(v) }
                }
            }
            ticks = Array(Set(ticks)).sorted()
        }
        return ticks
    }

    /// Labels for evenly spaced `values`, with the fewest decimals that tell them apart and a
    /// typographic minus sign.
    public static func labels(_ values: [Double]) -> [String] {
        let largest = values.map(abs).max() ?? 0
        if largest >= 1e6 || (largest > 0 && largest < 1e-4) { return scientificLabels(values) }
        let step = values.count > 1 ? abs(values[1] - values[0]) : max(abs(values.first ?? 1), 1)
        var decimals = 0
        while decimals < 10 {
            let p = pow(10, Double(decimals))
            if values.allSatisfy({ abs(($0 * p).rounded() / p - $0) <= step * 1e-6 }) { break }
            decimals += 1
        }
        return values.map { v in
            let zeroed = abs(v) < step * 1e-9 ? 0 : v
            let text = String(format: "%.\(decimals)f", zeroed)
            return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
        }
    }

    /// Labels such as `2.5e−7` or `1e308` for values too large or small to write out: the
    /// fewest mantissa digits that tell them apart.
    static func scientificLabels(_ values: [Double]) -> [String] {
        let step = values.count > 1 ? abs(values[1] - values[0]) : abs(values.first ?? 1)
        var texts: [String] = []
        for digits in 0...16 {
            texts = values.map { $0 == 0 ? "0" : String(format: "%.\(digits)e", $0) }   // e.g. -2.50e-07
            // The fewest digits whose labels read back as the values.
            if zip(texts, values).allSatisfy({ abs((Double($0) ?? .nan) - $1) <= step * 1e-6 }) { break }
        }
        return texts.map { text in
            let parts = text.split(separator: "e")
            guard parts.count == 2, let exponent = Int(parts[1]) else { return text }
            return "\(parts[0])e\(exponent)".replacingOccurrences(of: "-", with: "\u{2212}")
        }
    }

    /// `value`, an end of `range`, to three significant digits of the range's width with a
    /// typographic minus: 1.14e−9 at the end of a range 0.99 wide reads "0". A width too small
    /// or too large to write out gives `value` with three significant digits.
    public static func compactLabel(_ value: Double, range: ClosedRange<Double>) -> String {
        let width = range.upperBound - range.lowerBound
        let exponent = width > 0 && width.isFinite ? Int(log10(width).rounded(.down)) - 2 : Int.max
        let text: String
        if (-6...4).contains(exponent) {
            let step = pow(10, Double(exponent)), rounded = (value / step).rounded() * step
            var fixed = String(format: "%.\(max(0, -exponent))f", rounded == 0 ? 0 : rounded)
            if fixed.contains(".") { while fixed.hasSuffix("0") { fixed.removeLast() }; if fixed.hasSuffix(".") { fixed.removeLast() } }
            text = fixed == "-0" ? "0" : fixed
        } else {
            text = String(format: "%.3g", value == 0 ? 0 : value)
        }
        return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
    }

    /// `10` with a superscript exponent for exact decades, else the plain number.
    public static func logLabel(_ value: Double) -> String {
        let e = log10(value)
        guard abs(e - e.rounded()) < 1e-9 else { return labels([value])[0] }
        let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                                    "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(Int(e.rounded())).compactMap { superscripts[$0] })
    }

    // MARK: - matplotlib's helpers

    private static func nonsingular(_ lo: Double, _ hi: Double) -> (Double, Double) {
        var (vmin, vmax) = lo <= hi ? (lo, hi) : (hi, lo)
        let maxAbs = max(abs(vmin), abs(vmax))
        if maxAbs < 1e-14 { return (-1e-13, 1e-13) }
        if vmax - vmin <= maxAbs * 1e-13 {
            if vmax == 0 && vmin == 0 { return (-1e-13, 1e-13) }
            vmin -= 1e-13 * abs(vmin); vmax += 1e-13 * abs(vmax)
        }
        return (vmin, vmax)
    }

    private static func scaleRange(_ vmin: Double, _ vmax: Double, _ n: Double) -> (scale: Double, offset: Double) {
        let dv = abs(vmax - vmin)
        let meanv = (vmax + vmin) / 2
        var offset = 0.0
        if abs(meanv) / dv >= 100 {
            offset = (meanv < 0 ? -1 : 1) * pow(10, log10(abs(meanv)).rounded(.down))
        }
        return (pow(10, log10(dv / n).rounded(.down)), offset)
    }

    /// matplotlib's `_Edge_integer`: floor/ceil of x/step that forgives floating-point noise.
    private struct EdgeInteger {
        let step: Double
        let offset: Double
        init(step: Double, offset: Double) { self.step = step; self.offset = abs(offset) }

        private func closeTo(_ ms: Double, _ edge: Double) -> Bool {
            var tol = 1e-10
            if offset > 0 { tol = min(0.4999, max(1e-10, pow(10, log10(offset / step) - 12))) }
            return abs(ms - edge) < tol
        }

        private func divmod(_ x: Double) -> (Double, Double) {
            let d = (x / step).rounded(.down)
            return (d, x - d * step)
        }

        func le(_ x: Double) -> Double {
            let (d, m) = divmod(x)
            return closeTo(m / step, 1) ? d + 1 : d
        }

        func ge(_ x: Double) -> Double {
            let (d, m) = divmod(x)
            return closeTo(m / step, 0) ? d : d + 1
        }
    }
}
