@testable import DneckMovie

extension VideoFrame {
    /// The frame's Y, U and V planes, without the rows' padding.
    var planes: [UInt8] {
        let f = frame.pointee, (w, h) = (Int(f.width), Int(f.height))
        var out: [UInt8] = []
        for y in 0..<h { out += UnsafeBufferPointer(start: f.data.0! + y * Int(f.linesize.0), count: w) }
        for y in 0..<h / 2 {
            out += UnsafeBufferPointer(start: f.data.1! + y * Int(f.linesize.1), count: w / 2)
            out += UnsafeBufferPointer(start: f.data.2! + y * Int(f.linesize.2), count: w / 2)
        }
        return out
    }
}
