import CZlib

/// A raw deflate stream (RFC 1951) written by zlib at level 1, fed piece by piece, with the
/// Adler-32 checksum of its input: the one place that compresses.
///
/// zlib keeps the 32 KiB it may refer back to, so a PNG strip can be fed a few rows at a time
/// and never has to be held whole. The bytes depend only on the input, how it was cut into
/// pieces and zlib's version. (ISA-L's igzip, used before, is faster, but its output for the
/// same input changed from run to run now and then when several streams ran at once.)
struct Deflate: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8] = []
    private var adler: UInt = 1

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, 1, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib refused its settings (\(status))")
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `bytes` (zlib may hold some back to match against what comes next).
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        adler = adler32(adler, base, UInt32(bytes.count))
        compress(bytes, flush: Z_NO_FLUSH)
    }

    /// Compresses what is held back and returns the stream. A `final` stream ends with the
    /// last-block flag; any other ends byte-aligned after an empty stored block (a sync flush),
    /// so that streams can be concatenated.
    consuming func finish(final: Bool) -> (bytes: [UInt8], adler32: UInt32) {
        compress(UnsafeBufferPointer(start: nil, count: 0), flush: final ? Z_FINISH : Z_SYNC_FLUSH)
        return (output, UInt32(adler))
    }

    private mutating func compress(_ bytes: UnsafeBufferPointer<UInt8>, flush: Int32) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
        stream.pointee.avail_in = UInt32(bytes.count)
        // zlib returns when the input is used up or the output is full; room left over means
        // it has written all it can.
        repeat {
            let written = output.count, room = 1 << 16 + bytes.count / 4
            output += repeatElement(0, count: room)
            output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_out = out.baseAddress! + written
                stream.pointee.avail_out = UInt32(room)
                let status = deflate(stream, flush)
                precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR, "zlib deflate failed (\(status))")
            }
            output.removeLast(Int(stream.pointee.avail_out))
        } while stream.pointee.avail_out == 0
    }
}
