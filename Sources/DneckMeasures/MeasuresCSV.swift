import DneckCore
import Foundation

/// The rows of a measures CSV with the value columns by their generic names (`XM`, `YM`,
/// `XM_lower`, `YM_lower`, `XM_se`, `YM_se`): one estimator's CSV names them for its quantity
/// (`MI_XM`, `HSIC_XM`), a CSV of several estimators keeps them.
public struct MeasureRows: Sendable, Equatable {
    /// The value columns, by generic name.
    static let valueColumns: Set<String> = ["XM", "YM", "XM_lower", "YM_lower", "XM_se", "YM_se"]

    public var columns: [String]
    /// The cells of every row, one per column.
    public var rows: [[String]]

    /// The rows with a `layer_name` column after `layer` when `names` (one per layer) are given.
    public func naming(layers names: [String]?) -> MeasureRows {
        guard let names, let layer = columns.firstIndex(of: "layer") else { return self }
        var named = self
        named.columns.insert("layer_name", at: layer + 1)
        named.rows = rows.map { row in
            var row = row
            row.insert(Int(row[layer]).flatMap { $0 < names.count ? Self.quoted(names[$0]) : nil } ?? "", at: layer + 1)
            return row
        }
        return named
    }

    /// `text` as one CSV cell: quoted when it holds a comma, a quote or a line break.
    static func quoted(_ text: String) -> String {
        text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// One estimator's CSV, its value columns named for `quantity`.
    public func csv(quantity: PlaneQuantity) -> String {
        Self.text(columns.map { Self.valueColumns.contains($0) ? quantity.columnPrefix + $0 : $0 }, rows)
    }

    /// Several estimators' rows as one CSV: `estimator` (each table's name) first, then the
    /// union of the tables' columns in order of appearance, value columns by generic name; a
    /// cell a table lacks is empty. Rows table by table, in the order given.
    public static func csv(_ tables: [(estimator: String, rows: MeasureRows)]) -> String {
        var columns: [String] = []
        for column in tables.flatMap(\.rows.columns) where !columns.contains(column) { columns.append(column) }
        let rows = tables.flatMap { table in
            let position = Dictionary(uniqueKeysWithValues: table.rows.columns.enumerated().map { ($1, $0) })
            return table.rows.rows.map { row in [table.estimator] + columns.map { position[$0].map { row[$0] } ?? "" } }
        }
        return text(["estimator"] + columns, rows)
    }

    /// `header` and `rows` as comma-separated lines.
    private static func text(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.joined(separator: ",") + "\n" }.joined()
    }
}

extension MeasureTable {
    /// `epoch,layer,XM,YM` (17 significant digits), then `XM_lower,YM_lower` when the points
    /// carry lower bounds, `XM_se,YM_se` when they carry Monte-Carlo standard errors, then with
    /// `health` `states,saturated_X,saturated_Y` (states empty for estimators without states,
    /// the saturation flags `true` or `false`) and, when the points measure ties (KSG), `tied_fraction`.
    public func rows(health: Bool) -> MeasureRows {
        let bounds = hasLowerBounds, errors = hasStandardErrors, ties = health && points.contains { $0.tiedFraction != nil }
        let columns = ["epoch", "layer", "XM", "YM"] + (bounds ? ["XM_lower", "YM_lower"] : []) + (errors ? ["XM_se", "YM_se"] : [])
            + (health ? ["states", "saturated_X", "saturated_Y"] : []) + (ties ? ["tied_fraction"] : [])
        return MeasureRows(columns: columns, rows: points.map { p in
            ["\(p.epoch)", "\(p.layer)", formatSignificant(p.ixm), formatSignificant(p.iym)]
                + (bounds ? [p.ixmLower, p.iymLower].map { $0.map(formatSignificant) ?? "" } : [])
                + (errors ? [p.standardError?.ixm, p.standardError?.iym].map { $0.map(formatSignificant) ?? "" } : [])
                + (health ? [p.states.map(String.init) ?? "", "\(p.saturatedX)", "\(p.saturatedY)"] : [])
                + (ties ? [p.tiedFraction.map(formatSignificant) ?? ""] : [])
        })
    }

    /// The table as CSV (`rows(health:)`), the value columns named for `quantity`.
    public func csv(quantity: PlaneQuantity, health: Bool = false) -> String {
        rows(health: health).csv(quantity: quantity)
    }
}

extension RunAggregate {
    /// `run,epoch,layer,XM,YM`: first the aggregated rows with run = `mean` or `median`, then
    /// every run's own rows (all its epochs) with run = its 0-based position.
    public func rows(runs: [MeasureTable]) -> MeasureRows {
        func row(_ run: String, _ p: InformationPoint) -> [String] {
            [run, "\(p.epoch)", "\(p.layer)", formatSignificant(p.ixm), formatSignificant(p.iym)]
        }
        return MeasureRows(columns: ["run", "epoch", "layer", "XM", "YM"],
                           rows: points.map { row(statistic.rawValue, $0.point) }
                               + runs.enumerated().flatMap { k, table in table.points.map { row("\(k)", $0) } })
    }

    /// The aggregate and its runs as CSV (`rows(runs:)`), the value columns named for `quantity`.
    public func csv(runs: [MeasureTable], quantity: PlaneQuantity) -> String {
        rows(runs: runs).csv(quantity: quantity)
    }
}
