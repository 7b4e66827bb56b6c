import Foundation

/// Places everything of a figure from measured text, as matplotlib's constrained layout does:
/// every decoration around a panel (title, tick labels, axis labels) and every colorbar and
/// legend beside a span of cells is measured; each grid row and column gets margins as wide as
/// the largest element attached to it; then the panel frames are fixed, ticks are chosen for
/// the frames they really have, and the whole is measured again, for at most `passes` rounds.
/// Spacing comes from the style, in points.
public enum FigureLayout {
    /// The most rounds of measure-then-place (ticks depend on frame sizes and back).
    public static let passes = 4

    /// `figure` with every frame, tick and decoration text fixed.
    public static func place(_ figure: Figure, measurer: TextMeasurer) -> Figure {
        var laid = figure
        let context = Context(style: figure.style, measurer: measurer)
        var frames = Grid.uniform(figure)
        for _ in 0..<passes {
            context.resolveTicks(&laid, grid: frames)
            let margins = context.margins(laid, grid: frames)
            if laid.growsToFit { context.grow(&laid, toFit: margins) }
            let next = Grid(figure: laid, margins: margins)
            if next == frames { break }
            frames = next
        }
        context.resolveTicks(&laid, grid: frames)
        context.place(&laid, grid: frames)
        laid.isLaidOut = true
        return laid
    }

    /// The lines `text` breaks into (at spaces) so that each is at most `width` points wide in
    /// `size`; a word wider than `width` is broken between characters.
    public static func wrap(_ text: String, width: Double, size: Double, bold: Bool = false, style: Style,
                            measurer: TextMeasurer) -> [String] {
        func fits(_ s: String) -> Bool { measurer.measure(s, size: size, bold: bold, fontFamily: style.fontFamily).width <= width }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if fits(candidate) { line = candidate; continue }
            if !line.isEmpty { lines.append(line) }
            line = ""
            for character in word {
                if !line.isEmpty && !fits(line + String(character)) { lines.append(line); line = "" }
                line.append(character)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// Baseline to baseline of the lines of one text in `size`: matplotlib's 1.2 × the size, or
    /// the font's measured ascent + descent where the font is taller, so that the boxes PDF
    /// readers give two lines never overlap.
    public static func lineAdvance(size: Double, bold: Bool = false, style: Style, measurer: TextMeasurer) -> Double {
        max(1.2 * size, measurer.measure("Hg", size: size, bold: bold, fontFamily: style.fontFamily).fontHeight)
    }
}

/// Margins of every grid row and column: the room decorations need on each side of the cells.
struct Margins: Equatable {
    var left: [Double], right: [Double], top: [Double], bottom: [Double]
    /// Room above the grid for the figure title, below it for the footer.
    var titleBlock = 0.0, footerBlock = 0.0
}

/// The inner areas of a figure's grid cells.
struct Grid: Equatable {
    var columnX: [Double], columnWidth: [Double]
    var rowY: [Double], rowHeight: [Double]

    /// The frame of a block of cells.
    func frame(_ cell: GridCell) -> Rect {
        let x = columnX[cell.column], y = rowY[cell.row]
        return Rect(x: x, y: y, width: columnX[cell.lastColumn] + columnWidth[cell.lastColumn] - x,
                    height: rowY[cell.lastRow] + rowHeight[cell.lastRow] - y)
    }

    /// Relative sizes as given, or all equal when not given for every row (column).
    static func weights(_ given: [Double], count: Int) -> [Double] {
        given.count == count && given.allSatisfy({ $0 > 0 }) ? given : Array(repeating: 1, count: count)
    }

    /// Cells splitting the figure evenly, as a first guess.
    static func uniform(_ figure: Figure) -> Grid {
        let margins = Margins(left: Array(repeating: 0, count: figure.columns), right: Array(repeating: 0, count: figure.columns),
                              top: Array(repeating: 0, count: figure.rows), bottom: Array(repeating: 0, count: figure.rows))
        return Grid(figure: figure, margins: margins)
    }

    init(figure: Figure, margins: Margins) {
        let spacing = figure.style.panelSpacing, padding = figure.style.figurePadding
        func split(total: Double, before: [Double], after: [Double], weights: [Double], start: Double) -> ([Double], [Double]) {
            let n = before.count
            let free = total - before.reduce(0, +) - after.reduce(0, +) - Double(max(n - 1, 0)) * spacing
            let weightSum = weights.reduce(0, +)
            let sizes = weights.map { max(free * $0 / weightSum, 1) }
            var positions: [Double] = []
            var cursor = start
            for i in 0..<n {
                cursor += before[i]
                positions.append(cursor)
                cursor += sizes[i] + after[i] + spacing
            }
            return (positions, sizes)
        }
        (columnX, columnWidth) = split(total: figure.width - 2 * padding, before: margins.left, after: margins.right,
                                       weights: Grid.weights(figure.columnWeights, count: figure.columns), start: padding)
        (rowY, rowHeight) = split(total: figure.height - 2 * padding - margins.titleBlock - margins.footerBlock,
                                  before: margins.top, after: margins.bottom, weights: Grid.weights(figure.rowWeights, count: figure.rows),
                                  start: padding + margins.titleBlock)
    }
}

extension FigureLayout {
    /// The style and the measurer, with the sizes every step asks for.
    final class Context {
        let style: Style
        let measurer: TextMeasurer
        init(style: Style, measurer: TextMeasurer) { self.style = style; self.measurer = measurer }

        func metrics(_ text: String, size: Double, bold: Bool = false) -> TextMetrics {
            measurer.measure(text, size: size, bold: bold, fontFamily: style.fontFamily)
        }
        func width(_ text: String, size: Double, bold: Bool = false) -> Double { metrics(text, size: size, bold: bold).width }
        func lineHeight(_ size: Double, bold: Bool = false) -> Double { metrics("Hg", size: size, bold: bold).height }
        func lineAdvance(_ size: Double, bold: Bool = false) -> Double {
            FigureLayout.lineAdvance(size: size, bold: bold, style: style, measurer: measurer)
        }
        /// The height `count` lines of one text take: one line and `count - 1` advances.
        func height(lines count: Int, size: Double, bold: Bool = false) -> Double {
            count > 0 ? lineHeight(size, bold: bold) + Double(count - 1) * lineAdvance(size, bold: bold) : 0
        }

        /// How far ticks stick out of a frame.
        var tickOut: Double { style.tickDirection == "out" ? style.tickLength : 0 }
        var figureTitleSize: Double { style.titleSize * 1.15 }

        // MARK: Ticks

        func resolveTicks(_ figure: inout Figure, grid: Grid) {
            for i in figure.panels.indices {
                let frame = grid.frame(figure.panels[i].cell)
                figure.panels[i].x.ticks = ticks(figure.panels[i].x, length: frame.width, horizontal: true)
                figure.panels[i].y.ticks = ticks(figure.panels[i].y, length: frame.height, horizontal: false)
            }
            for i in figure.colorbars.indices {
                let bar = figure.colorbars[i]
                let n = bar.normalize
                let scale: Scale = n.logarithmic ? .log((n.lower + n.offset)...max(n.upper + n.offset, (n.lower + n.offset) * 1.0001))
                                                 : .linear(n.lower...max(n.upper, n.lower + 1e-12))
                var ticks = self.ticks(Axis(scale: scale, label: "", rule: bar.rule), length: grid.frame(bar.cell).height,
                                       horizontal: false)
                // Ticks found on the offset scale go back to data values; fixed ticks are data values.
                if n.logarithmic && n.offset != 0, case .automatic = bar.rule {
                    ticks = ticks.map { Tick(value: $0.value - n.offset, label: $0.label) }
                }
                figure.colorbars[i].ticks = ticks
            }
        }

        private func ticks(_ axis: Axis, length: Double, horizontal: Bool) -> [Tick] {
            switch axis.rule {
            case .fixed(let ticks): return ticks
            case .automatic:
                guard case .linear(let domain) = axis.scale else {
                    return Ticker.ticks(for: axis.scale, axisLength: length, fontSize: style.fontSize, horizontal: horizontal)
                }
                // matplotlib's budget of ticks for the length, fewer while measured labels would touch.
                var bins = Ticker.maxBins(axisLength: length, fontSize: style.fontSize, horizontal: horizontal)
                while true {
                    let values = Ticker.linearTicks(domain.lowerBound, domain.upperBound, maxBins: bins)
                    let ticks = zip(values, Ticker.labels(values)).map { Tick(value: $0, label: $1) }
                    if bins == 1 || fit(ticks, on: axis.scale, length: length, horizontal: horizontal) { return ticks }
                    bins -= 1
                }
            case .categories(let labels):
                guard !labels.isEmpty else { return [] }
                let room = horizontal ? (labels.map { width($0, size: style.fontSize) }.max() ?? 0) + style.fontSize
                                      : lineHeight(style.fontSize) * 1.2
                let fit = max(Int(length / max(room, 1)), 1)
                let every = max(1, Int((Double(labels.count) / Double(fit)).rounded(.up)))
                var shown = Array(stride(from: 0, to: labels.count, by: every))
                // The last category is always labelled, instead of the one before it where they would touch.
                if let last = shown.last, last != labels.count - 1 {
                    if labels.count - 1 - last < every && shown.count > 1 { shown.removeLast() }
                    shown.append(labels.count - 1)
                }
                return shown.map { Tick(value: Double($0) + 0.5, label: labels[$0]) }
            }
        }

        /// Whether neighbouring tick labels keep at least half a font size apart.
        private func fit(_ ticks: [Tick], on scale: Scale, length: Double, horizontal: Bool) -> Bool {
            let placed = ticks.compactMap { tick in scale.fraction(tick.value).map { ($0 * length, tick.label) } }
            let gap = style.fontSize / 2
            return zip(placed, placed.dropFirst()).allSatisfy { a, b in
                let room = horizontal ? (width(a.1, size: style.fontSize) + width(b.1, size: style.fontSize)) / 2
                                      : lineHeight(style.fontSize)
                return abs(b.0 - a.0) >= room + gap
            }
        }

        // MARK: Measuring

        /// What a panel needs on each side of its frame.
        struct Sides { var left = 0.0, right = 0.0, top = 0.0, bottom = 0.0 }

        /// Visible ticks of an axis with their fraction along it.
        func visible(_ axis: Axis) -> [(fraction: Double, tick: Tick)] {
            axis.ticks.compactMap { tick in
                guard let f = axis.scale.fraction(tick.value), (-1e-9...1 + 1e-9).contains(f) else { return nil }
                return (f, tick)
            }
        }

        func sides(_ panel: Panel, frame: Rect) -> Sides {
            var s = Sides()
            let tickHeight = lineHeight(style.fontSize)
            let xLabels = visible(panel.x).filter { !$0.tick.label.isEmpty }
            let yLabels = visible(panel.y).filter { !$0.tick.label.isEmpty }
            s.bottom = tickOut + (xLabels.isEmpty ? 0 : style.tickPadding + tickHeight) + depth(panel.x.label, length: frame.width)
            let widest = yLabels.map { width($0.tick.label, size: style.fontSize) }.max() ?? 0
            s.left = tickOut + (yLabels.isEmpty ? 0 : style.tickPadding + widest) + depth(panel.y.label, length: frame.height)
            if let title = panel.title {
                s.top = style.titlePadding + height(lines: titleLines(title, frame: frame).count, size: style.titleSize)
            }
            // Tick labels at the ends of an axis reach past the frame by up to half their size.
            for (f, tick) in xLabels {
                let half = width(tick.label, size: style.fontSize) / 2
                s.left = max(s.left, half - f * frame.width)
                s.right = max(s.right, f * frame.width + half - frame.width)
            }
            for (f, _) in yLabels {
                s.top = max(s.top, f * frame.height + tickHeight / 2 - frame.height)
                s.bottom = max(s.bottom, tickHeight / 2 - f * frame.height)
            }
            return s
        }

        /// The width a colorbar needs beside its cells, padding included.
        func extent(_ bar: Colorbar, length: Double) -> Double {
            let widest = visibleTicks(bar).map { width($0.tick.label, size: style.fontSize) }.max() ?? 0
            return style.colorbarPadding + (bar.width ?? style.colorbarWidth) + style.tickLength
                + (widest > 0 ? style.tickPadding + widest : 0) + depth(bar.label, length: length)
        }

        func visibleTicks(_ bar: Colorbar) -> [(fraction: Double, tick: Tick)] {
            bar.ticks.compactMap { tick in
                let f = bar.normalize(tick.value)
                guard f.isFinite, (-1e-9...1 + 1e-9).contains(f), !tick.label.isEmpty else { return nil }
                return (f, tick)
            }
        }

        /// The size of a legend box: its entries stacked one line advance apart (more where a
        /// marker needs it).
        func boxSize(_ legend: Legend) -> (width: Double, height: Double, row: Double) {
            let row = max(lineAdvance(style.fontSize), style.markerSize * 1.25)
            let text = legend.entries.map { width($0.label, size: style.fontSize) }.max() ?? 0
            return (style.legendPadding * 3 + style.legendSymbolWidth + text, row * Double(legend.entries.count) + 2 * style.legendPadding, row)
        }

        /// An axis or colorbar label fitted to `length` points: wrapped at spaces, and made
        /// smaller (down to half its size) where a word alone is still longer.
        func fitted(_ label: String, length: Double) -> (lines: [String], size: Double) {
            let lines = FigureLayout.wrap(label, width: max(length, 1), size: style.labelSize, style: style, measurer: measurer)
            let widest = lines.map { width($0, size: style.labelSize) }.max() ?? 0
            let size = widest > length ? max(style.labelSize * length / widest, style.labelSize / 2) : style.labelSize
            return (lines, size)
        }

        /// Room a fitted label takes across its lines.
        func depth(_ label: String, length: Double) -> Double {
            guard !label.isEmpty else { return 0 }
            let fit = fitted(label, length: length)
            return style.labelPadding + height(lines: fit.lines.count, size: fit.size)
        }

        func titleLines(_ title: String, frame: Rect) -> [String] {
            FigureLayout.wrap(title, width: max(frame.width, 1), size: style.titleSize, style: style, measurer: measurer)
        }

        func footerLines(_ figure: Figure) -> [String] {
            let width = figure.width - 2 * style.figurePadding
            return figure.footer.flatMap { FigureLayout.wrap($0, width: width, size: style.fontSize, style: style, measurer: measurer) }
        }

        func figureTitleLines(_ figure: Figure) -> [String] {
            figure.title.map { FigureLayout.wrap($0, width: figure.width - 2 * style.figurePadding, size: figureTitleSize,
                                                  bold: true, style: style, measurer: measurer) } ?? []
        }

        func margins(_ figure: Figure, grid: Grid) -> Margins {
            var m = Margins(left: Array(repeating: 0, count: figure.columns), right: Array(repeating: 0, count: figure.columns),
                            top: Array(repeating: 0, count: figure.rows), bottom: Array(repeating: 0, count: figure.rows))
            for panel in figure.panels {
                let s = sides(panel, frame: grid.frame(panel.cell))
                m.left[panel.cell.column] = max(m.left[panel.cell.column], s.left)
                m.right[panel.cell.lastColumn] = max(m.right[panel.cell.lastColumn], s.right)
                m.top[panel.cell.row] = max(m.top[panel.cell.row], s.top)
                m.bottom[panel.cell.lastRow] = max(m.bottom[panel.cell.lastRow], s.bottom)
            }
            var bars = Array(repeating: 0.0, count: figure.columns), legends = bars
            let half = lineHeight(style.fontSize) / 2
            for bar in figure.colorbars {
                bars[bar.cell.lastColumn] = max(bars[bar.cell.lastColumn], extent(bar, length: grid.frame(bar.cell).height))
                m.top[bar.cell.row] = max(m.top[bar.cell.row], half)
                m.bottom[bar.cell.lastRow] = max(m.bottom[bar.cell.lastRow], half)
            }
            for placed in figure.legends {
                legends[placed.cell.lastColumn] = max(legends[placed.cell.lastColumn], style.colorbarPadding + boxSize(placed.legend).width)
            }
            // A legend stands right of the colorbars and of tick labels reaching past the frames.
            for c in 0..<figure.columns { m.right[c] = max(m.right[c], bars[c]) + legends[c] }
            let titleLines = figureTitleLines(figure).count
            if titleLines > 0 { m.titleBlock = height(lines: titleLines, size: figureTitleSize, bold: true) + style.titlePadding }
            let footer = footerLines(figure).count
            if footer > 0 { m.footerBlock = height(lines: footer, size: style.fontSize) + style.titlePadding }
            return m
        }

        // MARK: Growing

        /// The smallest useful cell: room for a few tick labels, for every in-panel legend and
        /// for the height of every legend beside its cells.
        func minimumCell(_ figure: Figure) -> (width: Double, height: Double) {
            var width = 6 * style.fontSize, height = 4 * lineHeight(style.fontSize)
            for panel in figure.panels {
                guard let legend = panel.legend else { continue }
                let box = boxSize(legend)
                width = max(width, (box.width + 3 * style.titlePadding) / Double(panel.cell.columnSpan))
                height = max(height, (box.height + 3 * style.titlePadding) / Double(panel.cell.rowSpan))
            }
            for placed in figure.legends { height = max(height, boxSize(placed.legend).height / Double(placed.cell.rowSpan)) }
            return (width, height)
        }

        /// Makes `figure` large enough that every cell gets at least `minimumCell`.
        func grow(_ figure: inout Figure, toFit m: Margins) {
            let cell = minimumCell(figure), pad = 2 * style.figurePadding
            func need(_ margins: [Double], _ after: [Double], _ weights: [Double], _ minimum: Double) -> Double {
                margins.reduce(0, +) + after.reduce(0, +) + Double(max(weights.count - 1, 0)) * style.panelSpacing
                    + minimum * weights.reduce(0, +) / (weights.min() ?? 1)
            }
            let width = pad + need(m.left, m.right, Grid.weights(figure.columnWeights, count: figure.columns), cell.width)
            let height = pad + m.titleBlock + m.footerBlock
                + need(m.top, m.bottom, Grid.weights(figure.rowWeights, count: figure.rows), cell.height)
            figure.width = max(figure.width, width.rounded(.up))
            figure.height = max(figure.height, height.rounded(.up))
        }

        // MARK: Placing

        func place(_ figure: inout Figure, grid: Grid) {
            var texts: [TextItem] = []
            let fg = style.foreground
            func text(_ s: String, _ at: Point, _ anchor: TextAnchor, size: Double, rotation: Double = 0, bold: Bool = false,
                      role: TextItem.Role) {
                texts.append(TextItem(s, at: at, anchor: anchor, size: size, rotation: rotation, bold: bold, color: fg, role: role))
            }
            for i in figure.panels.indices {
                figure.panels[i].frame = grid.frame(figure.panels[i].cell)
                let panel = figure.panels[i], f = panel.frame
                if let title = panel.title {
                    let lines = titleLines(title, frame: f), advance = lineAdvance(style.titleSize)
                    for (k, line) in lines.enumerated() {
                        text(line, Point(f.x + f.width / 2, f.y - style.titlePadding - Double(lines.count - 1 - k) * advance),
                             TextAnchor(.center, .bottom), size: style.titleSize, role: .panelTitle)
                    }
                }
                // Tick labels, x then y; one that would touch a label already placed is left out.
                let xTop = f.maxY + tickOut + style.tickPadding, yRight = f.x - tickOut - style.tickPadding
                let xItems = visible(panel.x).filter { !$0.tick.label.isEmpty }.map {
                    TextItem($0.tick.label, at: Point(f.x + $0.fraction * f.width, xTop), anchor: TextAnchor(.center, .top),
                             size: style.fontSize, color: fg, role: .tickLabel)
                }
                let yItems = visible(panel.y).filter { !$0.tick.label.isEmpty }.map {
                    TextItem($0.tick.label, at: Point(yRight, f.maxY - $0.fraction * f.height), anchor: TextAnchor(.right, .middle),
                             size: style.fontSize, color: fg, role: .tickLabel)
                }
                var tickBoxes: [Rect] = []
                var widest = 0.0
                for (k, item) in (xItems + yItems).enumerated() {
                    let box = item.box(metrics(item.text, size: item.size))
                    guard !tickBoxes.contains(where: { $0.overlaps(box) }) else { continue }
                    tickBoxes.append(box)
                    texts.append(item)
                    if k >= xItems.count { widest = max(widest, box.width) }
                }
                let hasXLabels = !xItems.isEmpty
                if !panel.x.label.isEmpty {
                    let y = f.maxY + tickOut + (hasXLabels ? style.tickPadding + lineHeight(style.fontSize) : 0) + style.labelPadding
                    let fit = fitted(panel.x.label, length: f.width)
                    for (k, line) in fit.lines.enumerated() {
                        text(line, Point(f.x + f.width / 2, y + Double(k) * lineAdvance(fit.size)), TextAnchor(.center, .top),
                             size: fit.size, role: .axisLabel)
                    }
                }
                if !panel.y.label.isEmpty {
                    let x = f.x - tickOut - (widest > 0 ? style.tickPadding + widest : 0) - style.labelPadding
                    let fit = fitted(panel.y.label, length: f.height)
                    for (k, line) in fit.lines.enumerated() {   // read upwards: the first line is the farthest left
                        text(line, Point(x - Double(fit.lines.count - 1 - k) * lineAdvance(fit.size), f.y + f.height / 2),
                             TextAnchor(.center, .bottom), size: fit.size, rotation: 90, role: .axisLabel)
                    }
                }
                if var legend = panel.legend {
                    let size = boxSize(legend), inset = style.titlePadding
                    let left = legend.corner == .topLeft || legend.corner == .bottomLeft
                    let top = legend.corner == .topLeft || legend.corner == .topRight
                    legend.frame = Rect(x: left ? f.x + inset : f.maxX - inset - size.width,
                                        y: top ? f.y + inset : f.maxY - inset - size.height, width: size.width, height: size.height)
                    figure.panels[i].legend = legend
                }
            }
            // Colorbars and figure legends stand right of the panels of their cells.
            var barEnd = [Double](repeating: 0, count: figure.columns)
            for i in figure.colorbars.indices {
                let bar = figure.colorbars[i]
                let span = spanFrame(bar.cell, figure: figure, grid: grid)
                let frame = Rect(x: span.maxX + style.colorbarPadding, y: span.y, width: bar.width ?? style.colorbarWidth,
                                 height: span.height)
                figure.colorbars[i].frame = frame
                var widest = 0.0
                for (fraction, tick) in visibleTicks(figure.colorbars[i]) {
                    let at = Point(frame.maxX + style.tickLength + style.tickPadding, frame.maxY - fraction * frame.height)
                    text(tick.label, at, TextAnchor(.left, .middle), size: style.fontSize, role: .tickLabel)
                    widest = max(widest, width(tick.label, size: style.fontSize))
                }
                if !bar.label.isEmpty {
                    let x = frame.maxX + style.tickLength + (widest > 0 ? style.tickPadding + widest : 0) + style.labelPadding
                    let fit = fitted(bar.label, length: frame.height)
                    for (k, line) in fit.lines.enumerated() {
                        text(line, Point(x + Double(k) * lineAdvance(fit.size), frame.y + frame.height / 2), TextAnchor(.center, .top),
                             size: fit.size, rotation: 90, role: .colorbarLabel)
                    }
                }
                barEnd[bar.cell.lastColumn] = max(barEnd[bar.cell.lastColumn], extent(figure.colorbars[i], length: frame.height))
            }
            for i in figure.legends.indices {
                let placed = figure.legends[i]
                let span = spanFrame(placed.cell, figure: figure, grid: grid)
                let size = boxSize(placed.legend)
                let column = placed.cell.lastColumn
                let overhang = figure.panels.filter { $0.cell.lastColumn == column }.map { sides($0, frame: $0.frame).right }.max() ?? 0
                figure.legends[i].legend.frame = Rect(x: span.maxX + max(barEnd[column], overhang) + style.colorbarPadding,
                                                      y: span.y, width: size.width, height: size.height)
            }
            let titleSize = figureTitleSize, titleAdvance = lineAdvance(titleSize, bold: true)
            for (k, line) in figureTitleLines(figure).enumerated() {
                text(line, Point(figure.width / 2, style.figurePadding + Double(k) * titleAdvance), TextAnchor(.center, .top),
                     size: titleSize, bold: true, role: .figureTitle)
            }
            let footer = footerLines(figure), advance = lineAdvance(style.fontSize)
            for (k, line) in footer.enumerated() {
                let y = figure.height - style.figurePadding - Double(footer.count - 1 - k) * advance
                text(line, Point(style.figurePadding, y), TextAnchor(.left, .bottom), size: style.fontSize, role: .footer)
            }
            figure.texts = texts
        }

        /// The frames of the panels in `cell`, joined (the cell's own area when none).
        private func spanFrame(_ cell: GridCell, figure: Figure, grid: Grid) -> Rect {
            let inside = figure.panels.filter {
                $0.cell.row >= cell.row && $0.cell.lastRow <= cell.lastRow && $0.cell.column >= cell.column
                    && $0.cell.lastColumn <= cell.lastColumn
            }.map { grid.frame($0.cell) }
            return inside.dropFirst().reduce(inside.first ?? grid.frame(cell)) { $0.union($1) }
        }
    }
}

extension Style {
    /// Inside a legend box, around and between its symbols and texts.
    public var legendPadding: Double { fontSize * 0.5 }
    /// Length of a legend's line symbol.
    public var legendSymbolWidth: Double { fontSize * 2 }
}
