import DneckCairo
import DneckFigure
@testable import DneckMovie
import XCTest

/// libswscale's BGRA → YUV 4:2:0 as the movie uses it, against BT.601 limited-range values
/// worked out by hand: Y = 16 + 65.481 R + 128.553 G + 24.966 B,
/// Cb = 128 − 37.797 R − 74.203 G + 112 B, Cr = 128 + 112 R − 93.786 G − 18.214 B (R, G, B in 0…1).
final class ColorConversionTests: XCTestCase {
    /// (R, G, B) → (Y, Cb, Cr), rounded.
    private let colours: [(rgb: (UInt8, UInt8, UInt8), ycbcr: (Int, Int, Int))] = [
        ((255, 255, 255), (235, 128, 128)),
        ((0, 0, 0), (16, 128, 128)),
        ((255, 0, 0), (81, 90, 240)),
        ((0, 255, 0), (145, 54, 34)),
        ((0, 0, 255), (41, 240, 110)),
        ((31, 119, 180), (102, 168, 85)),   // matplotlib's first cycle colour
    ]

    /// Paints `raster` in opaque vertical bands of 16 pixels, band k at (x, y) in colour
    /// (k + shift(x, y)) mod count.
    private func paint(_ raster: Raster, shift: (Int, Int) -> Int) {
        raster.withPixels { pixels in
            let p = UnsafeMutablePointer(mutating: pixels)
            for y in 0..<raster.height {
                for x in 0..<raster.width {
                    let (r, g, b) = colours[(x / 16 + shift(x, y)) % colours.count].rgb
                    let q = p + y * raster.stride + 4 * x
                    (q[0], q[1], q[2], q[3]) = (b, g, r, 255)
                }
            }
        }
    }

    /// Y, Cb, Cr at pixel (x, y) of the frame.
    private func sample(_ frame: VideoFrame, _ x: Int, _ y: Int) -> (Int, Int, Int) {
        let f = frame.frame.pointee
        return (Int(f.data.0![y * Int(f.linesize.0) + x]), Int(f.data.1![y / 2 * Int(f.linesize.1) + x / 2]),
                Int(f.data.2![y / 2 * Int(f.linesize.2) + x / 2]))
    }

    private func assertColour(_ frame: VideoFrame, x: Int, y: Int, band: Int, _ message: String, line: UInt = #line) {
        let got = sample(frame, x, y), want = colours[band % colours.count].ycbcr
        XCTAssertLessThanOrEqual(max(abs(got.0 - want.0), abs(got.1 - want.1), abs(got.2 - want.2)), 1,
                                 "\(message) at \(x),\(y): got \(got), want \(want)", line: line)
    }

    /// Whole frame, then a region over it: the region shows the new colours, everything else the
    /// old, and the planes are byte for byte those of converting the whole picture at once.
    func testBT601ValuesWholeFrameAndRegion() throws {
        let (width, height) = (16 * colours.count, 40)
        let raster = try Raster(width: width, height: height)
        let frame = try VideoFrame(pictureWidth: width, height: height)
        paint(raster) { _, _ in 0 }
        try frame.fill(from: raster)
        for band in colours.indices {
            for (x, y) in [(16 * band + 6, 10), (16 * band + 9, 31)] { assertColour(frame, x: x, y: y, band: band, "whole frame") }
        }
        // At 72 dpi a point is a pixel; the region grows to even corners 2–3 pixels out: x 34..<62, y 8..<22.
        let figure = Figure(widthInches: Double(width) / 72, heightInches: Double(height) / 72, dpi: 72, style: Style())
        let region = PixelRegion(covering: Rect(x: 36, y: 10, width: 24, height: 10), of: figure, width: width, height: height)
        XCTAssertEqual([region.x0, region.y0, region.x1, region.y1], [34, 8, 62, 22])
        paint(raster) { _, _ in 1 }
        try frame.fill(from: raster, of: TileGrid(region: region))
        let converted = { (x: Int, y: Int) in (8..<22).contains(y) && (34..<62).contains(x) }
        for y in 0..<height {
            for x in 0..<width {
                let want = colours[(x / 16 + (converted(x, y) ? 1 : 0)) % colours.count].ycbcr.0
                let got = sample(frame, x, y).0
                if abs(got - want) > 1 { XCTFail("Y at \(x),\(y): got \(got), want \(want)"); return }
            }
        }
        assertColour(frame, x: 38, y: 12, band: 3, "inside the region")
        assertColour(frame, x: 72, y: 20, band: 4, "right of the region, in its rows")
        assertColour(frame, x: 38, y: 30, band: 2, "below the region")
        assertColour(frame, x: 6, y: 12, band: 0, "left of the region")

        // The same picture converted whole: old colours where the region's conversion did not reach.
        paint(raster) { x, y in converted(x, y) ? 1 : 0 }
        let whole = try VideoFrame(pictureWidth: width, height: height)
        try whole.fill(from: raster)
        XCTAssertTrue(whole.planes == frame.planes, "a region's conversion differs from the whole picture's")
    }

    /// Pixels changed here and there since the raster the frame was filled from: the grid finds
    /// just the tiles holding them, converting those gives the planes of converting the new
    /// picture whole. Also for a change in the last, narrow column of tiles and in the last
    /// short band, and when only some tiles are looked at.
    func testOnlyChangedTilesAreFoundAndConverted() throws {
        let (width, height) = (200, 70)   // tiles of 64 × 16: columns 0, 64, 128, 192 (8 wide); bands 0…48, 64 (6 high)
        let old = try Raster(width: width, height: height), new = try Raster(width: width, height: height)
        paint(old) { _, _ in 0 }
        let frame = try VideoFrame(pictureWidth: width, height: height)
        try frame.fill(from: old)
        let changes = [(5, 3), (70, 3), (130, 20), (131, 21), (197, 40), (60, 66), (199, 69)]
        paint(new) { x, y in changes.contains { $0 == (x, y) } ? 1 : 0 }
        let grid = TileGrid(region: PixelRegion(all: width, height))
        XCTAssertEqual([grid.columns, grid.rows], [4, 5])
        let every = Array(repeating: true, count: grid.count)
        let changed = grid.differing(new, old, among: every)
        let want = Set(changes.map { $0.1 / 16 * 4 + $0.0 / 64 })
        XCTAssertEqual(Set(changed.indices.filter { changed[$0] }), want)
        try frame.fill(from: new, tiles: changed, of: grid)
        let whole = try VideoFrame(pictureWidth: width, height: height)
        try whole.fill(from: new)
        XCTAssertTrue(whole.planes == frame.planes, "converting the changed tiles differs from converting the whole picture")
        XCTAssertFalse(grid.differing(new, new, among: every).contains(true), "a raster differs from itself")
        let some = (0..<grid.count).map { $0 % 2 == 0 }
        let someChanged = grid.differing(new, old, among: some)
        XCTAssertEqual(Set(someChanged.indices.filter { someChanged[$0] }), want.filter { $0 % 2 == 0 })
    }

    /// Runs join neighbouring marked tiles of a row and stop at the region's edge.
    func testRunsOfTiles() {
        let grid = TileGrid(region: PixelRegion(x0: 10, y0: 4, x1: 200, y1: 40))   // 3 columns (the last 62 wide), 3 rows (the last 4 high)
        var tiles = Array(repeating: false, count: grid.count)
        for t in [0, 1, 5, 6, 7] { tiles[t] = true }
        XCTAssertEqual(grid.runs(tiles).map { [$0.x0, $0.y0, $0.x1, $0.y1] },
                       [[10, 4, 138, 20], [138, 20, 200, 36], [10, 36, 138, 40]])
        // A box of points at 2 pixels a point, grown by 2 pixels: pixels 70…78 × 20…30, so
        // column 0 (10…74) and 1, rows 1 (20…36): tiles 3 and 4; one box outside touches none.
        let covered = grid.tiles(covering: [Rect(x: 36, y: 11, width: 2, height: 3), Rect(x: 500, y: 0, width: 5, height: 5)],
                                 scale: (2, 2))
        XCTAssertEqual(covered.indices.filter { covered[$0] }, [3, 4])
    }
}
