import DneckCairo
import Dispatch

/// Destination planes of a YUV 4:2:0 picture.
struct YUVPlanes {
    let y: UnsafeMutablePointer<UInt8>
    let u: UnsafeMutablePointer<UInt8>
    let v: UnsafeMutablePointer<UInt8>
    let yStride: Int, uStride: Int, vStride: Int
    /// Even picture size; the source may be one pixel smaller each way (its edge is repeated).
    let width: Int, height: Int
}

/// BGRA → I420 with BT.601 limited-range integer coefficients (those of libyuv's ARGBToI420):
/// chroma from the mean of each 2×2 block. Eight pixels at a time in 16-bit SIMD lanes, two
/// cores splitting the rows: several times faster than libswscale 5.1's generic path.
enum ColorConversion {
    /// Converts the pixels of `region` (even corners, within the padded picture) of a
    /// `width × height` BGRA image; the rest of `dst` is left as it was.
    static func bgraToI420(_ src: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, region: PixelRegion,
                           into dst: YUVPlanes) {
        let firstPair = region.y0 / 2, pairs = region.y1 / 2 - firstPair
        let x0 = region.x0, count = min(region.x1, width) - x0   // odd only at an odd image's edge
        guard pairs > 0, count > 0 else { return }
        let bands = 2
        DispatchQueue.concurrentPerform(iterations: bands) { band in
            for pair in firstPair + pairs * band / bands..<firstPair + pairs * (band + 1) / bands {
                let row0 = src + min(2 * pair, height - 1) * stride + 4 * x0
                let row1 = src + min(2 * pair + 1, height - 1) * stride + 4 * x0
                let luma0 = dst.y + 2 * pair * dst.yStride + x0
                convertRows(row0, row1, luma0, luma0 + dst.yStride, dst.u + pair * dst.uStride + x0 / 2,
                            dst.v + pair * dst.vStride + x0 / 2, count)
            }
        }
    }

    /// Eight BGRA pixels as sixteen 16-bit lanes: (B | G << 8, R | A << 8) per pixel. Every
    /// sum and product below fits 16 bits, so SSE2's 16-bit multiply serves.
    typealias W = SIMD16<UInt16>
    typealias H = SIMD8<UInt16>

    /// Luma of two rows of `n` pixels and chroma of their 2×2 blocks; an odd `n` repeats the
    /// last column into the padding.
    @inline(__always)
    static func convertRows(_ s0: UnsafePointer<UInt8>, _ s1: UnsafePointer<UInt8>, _ y0: UnsafeMutablePointer<UInt8>,
                            _ y1: UnsafeMutablePointer<UInt8>, _ u: UnsafeMutablePointer<UInt8>, _ v: UnsafeMutablePointer<UInt8>, _ n: Int) {
        let r0 = UnsafeRawPointer(s0), r1 = UnsafeRawPointer(s1)
        let low = H(repeating: 0xFF)
        var i = 0
        while i &+ 8 <= n {
            let a = r0.loadUnaligned(fromByteOffset: 4 &* i, as: W.self)
            let c = r1.loadUnaligned(fromByteOffset: 4 &* i, as: W.self)
            let bgA = a.evenHalf, raA = a.oddHalf, bgC = c.evenHalf, raC = c.oddHalf
            let bA = bgA & low, gA = bgA &>> 8, rA = raA & low
            let bC = bgC & low, gC = bgC &>> 8, rC = raC & low
            let yA = ((66 &* rA &+ 129 &* gA &+ 25 &* bA &+ 128) &>> 8) &+ 16
            let yC = ((66 &* rC &+ 129 &* gC &+ 25 &* bC &+ 128) &>> 8) &+ 16
            UnsafeMutableRawPointer(y0 + i).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: yA), as: SIMD8<UInt8>.self)
            UnsafeMutableRawPointer(y1 + i).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: yC), as: SIMD8<UInt8>.self)
            let bs = bA &+ bC, gs = gA &+ gC, rs = rA &+ rC
            let b = SIMD4<Int16>(truncatingIfNeeded: (bs.evenHalf &+ bs.oddHalf &+ 2) &>> 2)
            let g = SIMD4<Int16>(truncatingIfNeeded: (gs.evenHalf &+ gs.oddHalf &+ 2) &>> 2)
            let r = SIMD4<Int16>(truncatingIfNeeded: (rs.evenHalf &+ rs.oddHalf &+ 2) &>> 2)
            let uu = ((112 &* b &- 38 &* r &- 74 &* g &+ 128) &>> 8) &+ 128
            let vv = ((112 &* r &- 94 &* g &- 18 &* b &+ 128) &>> 8) &+ 128
            UnsafeMutableRawPointer(u + i / 2).storeBytes(of: SIMD4<UInt8>(truncatingIfNeeded: uu), as: SIMD4<UInt8>.self)
            UnsafeMutableRawPointer(v + i / 2).storeBytes(of: SIMD4<UInt8>(truncatingIfNeeded: vv), as: SIMD4<UInt8>.self)
            i &+= 8
        }
        while i &+ 2 <= n {
            let o = 4 &* i
            y0[i] = luma(s0 + o); y0[i &+ 1] = luma(s0 + (o &+ 4))
            y1[i] = luma(s1 + o); y1[i &+ 1] = luma(s1 + (o &+ 4))
            chromaPixel(s0 + o, s0 + (o &+ 4), s1 + o, s1 + (o &+ 4), u + i / 2, v + i / 2)
            i &+= 2
        }
        if i < n {   // odd width: the last pixel fills its block's padding column too
            let o = 4 &* i
            y0[i] = luma(s0 + o); y0[i &+ 1] = y0[i]
            y1[i] = luma(s1 + o); y1[i &+ 1] = y1[i]
            chromaPixel(s0 + o, s0 + o, s1 + o, s1 + o, u + i / 2, v + i / 2)
        }
    }
    /// Luma of one BGRA pixel.
    @inline(__always)
    static func luma(_ p: UnsafePointer<UInt8>) -> UInt8 {
        UInt8(truncatingIfNeeded: ((66 &* Int32(p[2]) &+ 129 &* Int32(p[1]) &+ 25 &* Int32(p[0]) &+ 128) &>> 8) &+ 16)
    }
    /// U and V of one 2×2 block from its four BGRA pixels.
    @inline(__always)
    static func chromaPixel(_ p00: UnsafePointer<UInt8>, _ p01: UnsafePointer<UInt8>, _ p10: UnsafePointer<UInt8>,
                            _ p11: UnsafePointer<UInt8>, _ u: UnsafeMutablePointer<UInt8>, _ v: UnsafeMutablePointer<UInt8>) {
        func mean(_ c: Int) -> Int32 { (Int32(p00[c]) &+ Int32(p01[c]) &+ Int32(p10[c]) &+ Int32(p11[c]) &+ 2) &>> 2 }
        let b = mean(0), g = mean(1), r = mean(2)
        u.pointee = UInt8(truncatingIfNeeded: ((-38 &* r &- 74 &* g &+ 112 &* b &+ 128) &>> 8) &+ 128)
        v.pointee = UInt8(truncatingIfNeeded: ((112 &* r &- 94 &* g &- 18 &* b &+ 128) &>> 8) &+ 128)
    }
}
