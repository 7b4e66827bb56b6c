import CISAL

/// A raw deflate stream (RFC 1951) written by ISA-L's igzip at level 1, fed piece by piece, with
/// the Adler-32 checksum of its input (ISA-L's, vectorised): the one place that calls ISA-L.
///
/// igzip keeps the 32 KiB it may refer back to, so a PNG strip can be fed a few rows at a time
/// and never has to be held whole. The bytes depend only on the input and how it was cut into
/// pieces.
struct Deflate: ~Copyable {
    private let stream: UnsafeMutablePointer<isal_zstream>
    private let levelBuffer: UnsafeMutableRawBufferPointer
    private var output: [UInt8] = []
    private var adler: UInt32 = 1

    init() {
        stream = .allocate(capacity: 1)
        isal_deflate_init(stream)
        levelBuffer = .allocate(byteCount: Int(dneck_isal_level1_buffer_size()), alignment: 64)
        stream.pointee.level = 1
        stream.pointee.level_buf = levelBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.level_buf_size = UInt32(levelBuffer.count)
        stream.pointee.gzip_flag = UInt16(IGZIP_DEFLATE)
    }

    deinit {
        stream.deallocate()
        levelBuffer.deallocate()
    }

    /// Compresses `bytes` (igzip may hold some back to match against what comes next).
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        adler = isal_adler32(adler, bytes.baseAddress, UInt64(bytes.count))
        compress(bytes, flush: NO_FLUSH, last: false)
    }

    /// Compresses what is held back and returns the stream. A `final` stream ends with the
    /// last-block flag; any other ends byte-aligned after an empty stored block (a sync flush),
    /// so that streams can be concatenated.
    consuming func finish(final: Bool) -> (bytes: [UInt8], adler32: UInt32) {
        compress(UnsafeBufferPointer(start: nil, count: 0), flush: final ? NO_FLUSH : SYNC_FLUSH, last: final)
        return (output, adler)
    }

    private mutating func compress(_ bytes: UnsafeBufferPointer<UInt8>, flush: Int32, last: Bool) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
        stream.pointee.avail_in = UInt32(bytes.count)
        stream.pointee.flush = UInt16(flush)
        stream.pointee.end_of_stream = last ? 1 : 0
        // igzip returns when the input is used up or the output is full; room left over means
        // it has written all it can (its documented test for a finished flush).
        repeat {
            let written = output.count, room = 1 << 16 + bytes.count / 4
            output += repeatElement(0, count: room)
            output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_out = out.baseAddress! + written
                stream.pointee.avail_out = UInt32(room)
                let status = isal_deflate(stream)
                precondition(status == COMP_OK, "isal_deflate refused its settings (\(status))")
            }
            output.removeLast(Int(stream.pointee.avail_out))
        } while stream.pointee.avail_out == 0
    }
}
