import DneckCairo
import DneckFigure
import Foundation

/// The region of a movie frame where marks can be, cut into tiles of 64 × 16 pixels (even, so
/// that each covers whole 2 × 2 chroma blocks). A frame differs from the one before only in the
/// tiles its moving marks touch: only those are restored, compared and converted.
public struct TileGrid: Sendable {
    public static let tileWidth = 64, tileHeight = 16
    public let region: PixelRegion
    public let columns: Int
    public let rows: Int
    /// Tiles in the grid, numbered row by row.
    public var count: Int { columns * rows }

    /// The tiles of `region` (even corners); those of the last column and row may be smaller.
    public init(region: PixelRegion) {
        self.region = region
        columns = max(0, (region.x1 - region.x0 + TileGrid.tileWidth - 1) / TileGrid.tileWidth)
        rows = max(0, (region.y1 - region.y0 + TileGrid.tileHeight - 1) / TileGrid.tileHeight)
    }

    /// Horizontal runs of the tiles marked in `tiles`, each as the pixels it covers.
    public func runs(_ tiles: [Bool]) -> [PixelRegion] {
        precondition(tiles.count == count, "a mask of \(tiles.count) tiles for a grid of \(count)")
        var runs: [PixelRegion] = []
        for row in 0..<rows {
            var column = 0
            while column < columns {
                guard tiles[row * columns + column] else { column += 1; continue }
                var end = column + 1
                while end < columns, tiles[row * columns + end] { end += 1 }
                runs.append(pixels(row: row, columns: column..<end))
                column = end
            }
        }
        return runs
    }

    /// The tiles that `boxes` (figure points, `scale` pixels a point across and down) touch,
    /// each box grown by 2 pixels for antialiasing.
    public func tiles(covering boxes: [Rect], scale: (x: Double, y: Double)) -> [Bool] {
        var tiles = Array(repeating: false, count: count)
        guard columns > 0, rows > 0 else { return tiles }
        let margin = 2.0
        func index(_ pixel: Double, from origin: Int, size: Int, limit: Int) -> Int {
            min(max(Int(((pixel - Double(origin)) / Double(size)).rounded(.down)), 0), limit - 1)
        }
        for b in boxes {
            let (x0, x1) = (b.x * scale.x - margin, b.maxX * scale.x + margin)
            let (y0, y1) = (b.y * scale.y - margin, b.maxY * scale.y + margin)
            guard x1 > Double(region.x0), x0 < Double(region.x1), y1 > Double(region.y0), y0 < Double(region.y1) else { continue }
            let c0 = index(x0, from: region.x0, size: TileGrid.tileWidth, limit: columns)
            let c1 = index(x1, from: region.x0, size: TileGrid.tileWidth, limit: columns)
            for row in index(y0, from: region.y0, size: TileGrid.tileHeight, limit: rows)...index(y1, from: region.y0, size: TileGrid.tileHeight, limit: rows) {
                for column in c0...c1 { tiles[row * columns + column] = true }
            }
        }
        return tiles
    }

    /// The tiles among `candidates` where `a` and `b`, rasters of one size, differ.
    public func differing(_ a: Raster, _ b: Raster, among candidates: [Bool]) -> [Bool] {
        precondition(a.width == b.width && a.height == b.height, "rasters differ in size")
        let stride = a.stride
        return a.withPixels { p in
            b.withPixels { q in
                (0..<count).map { tile in
                    guard candidates[tile] else { return false }
                    let r = pixels(row: tile / columns, columns: tile % columns..<tile % columns + 1)
                    let (offset, bytes) = (4 * r.x0, 4 * (min(r.x1, a.width) - r.x0))
                    guard bytes > 0 else { return false }
                    for y in r.y0..<min(r.y1, a.height) where memcmp(p + y * stride + offset, q + y * stride + offset, bytes) != 0 {
                        return true
                    }
                    return false
                }
            }
        }
    }

    /// The pixels of tiles `columns` of tile row `row`, clipped to the region.
    private func pixels(row: Int, columns: Range<Int>) -> PixelRegion {
        PixelRegion(x0: region.x0 + columns.lowerBound * TileGrid.tileWidth, y0: region.y0 + row * TileGrid.tileHeight,
                    x1: min(region.x1, region.x0 + columns.upperBound * TileGrid.tileWidth),
                    y1: min(region.y1, region.y0 + (row + 1) * TileGrid.tileHeight))
    }
}
