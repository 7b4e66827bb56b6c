/// A fast raw-deflate encoder (RFC 1951) for PNG image data, fed piece by piece (a PNG strip
/// row by row) so that it holds only the 32 KiB it may refer back to and what is still to be
/// matched, never the whole filtered image.
///
/// Greedy LZ77 over a 4-byte hash (one candidate per hash, matches extended 8 bytes at a time),
/// which turns the long runs of zeros that PNG's "up" filter makes of flat chart areas into a
/// few 258-byte matches, then dynamic Huffman blocks of up to `blockTokens` tokens. It does one
/// thing zlib does at any level, only faster for this kind of input: the output is plain
/// deflate that any inflater reads. The bytes depend only on the input and how it was cut into
/// pieces.
struct Deflate {
    /// Tokens (literals and matches) per Huffman block.
    static let blockTokens = 1 << 15
    private static let hashBits = 15
    private static let window = 32_768
    private static let minMatch = 4, maxMatch = 258

    private var buffer: [UInt8]
    /// Stream positions of `buffer[0]`, of the end of the input so far, of the next byte to encode.
    private var base = 0, end = 0, cursor = 0
    /// Last stream position of each hash (−1: none yet).
    private var table = [Int](repeating: -1, count: 1 << hashBits)
    private var tokens: [UInt32] = []
    private var bits = BitWriter()

    /// A stream for pieces of up to about `piece` bytes.
    init(piece: Int = 1 << 16) {
        buffer = [UInt8](repeating: 0, count: Deflate.window + Deflate.maxMatch + 4 * max(piece, 1 << 16))
        tokens.reserveCapacity(Deflate.blockTokens)
    }

    /// Appends `count` bytes, which `fill` writes into the stream's own buffer, and encodes all
    /// but the last match's length of what is there.
    mutating func append(count: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        makeRoom(for: count)
        let start = end - base
        buffer.withUnsafeMutableBufferPointer { fill($0.baseAddress! + start) }
        end += count
        encode(upTo: end - Deflate.maxMatch)
    }

    /// Encodes the rest and returns the stream. A `final` stream ends with the last-block flag;
    /// any other ends byte-aligned after an empty stored block, so streams can be concatenated
    /// (as zlib's full flush does).
    mutating func finish(final: Bool) -> [UInt8] {
        encode(upTo: end)
        Deflate.writeBlock(tokens, last: final, into: &bits)
        tokens.removeAll()
        if !final {   // empty stored block: byte-aligns the end
            bits.write(0, count: 3)
            bits.alignToByte()
            bits.write(0xFFFF_0000, count: 32)
        }
        bits.alignToByte()
        return bits.bytes
    }

    /// Drops what lies more than a window behind the cursor, growing the buffer if a piece is
    /// larger than it.
    private mutating func makeRoom(for count: Int) {
        guard end - base + count > buffer.count else { return }
        let keep = max(base, cursor - Deflate.window)
        let shift = keep - base
        if shift > 0 {
            buffer.withUnsafeMutableBufferPointer { b in
                let p = b.baseAddress!
                p.update(from: p + shift, count: end - keep)
            }
            base = keep
        }
        if end - base + count > buffer.count { buffer += [UInt8](repeating: 0, count: end - base + count - buffer.count) }
    }

    /// Tokens for every position from the cursor up to `limit` (a match may run past it, up to
    /// the end of the input).
    private mutating func encode(upTo limit: Int) {
        guard cursor < limit else { return }
        var p = cursor
        let (base, end) = (self.base, self.end)
        buffer.withUnsafeBufferPointer { buffer in
            table.withUnsafeMutableBufferPointer { table in
                let data = buffer.baseAddress!   // stream position p is data[p - base]
                while p < limit {
                    var length = 0, distance = 0
                    if p + Deflate.minMatch <= end {
                        let h = Deflate.hash(UnsafeRawPointer(data + (p - base)).loadUnaligned(as: UInt32.self))
                        let candidate = table[h]
                        table[h] = p
                        if candidate >= base, p - candidate <= Deflate.window {
                            length = Deflate.matchLength(data, candidate - base, p - base, limit: min(Deflate.maxMatch, end - p))
                            distance = p - candidate
                        }
                    }
                    if length >= Deflate.minMatch {
                        tokens.append(Token.match(length: length, distance: distance))
                        p += length
                    } else {
                        tokens.append(UInt32(data[p - base]))
                        p += 1
                    }
                    if tokens.count == Deflate.blockTokens {
                        Deflate.writeBlock(tokens, last: false, into: &bits)
                        tokens.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        cursor = p
    }

    @inline(__always)
    private static func hash(_ v: UInt32) -> Int {
        Int((v &* 2_654_435_761) >> (32 - UInt32(hashBits)))
    }

    /// How many bytes at `a` and `b` (a < b) agree, up to `limit`.
    @inline(__always)
    private static func matchLength(_ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, limit: Int) -> Int {
        var k = 0
        let raw = UnsafeRawPointer(base)
        while k + 8 <= limit {
            let x = raw.loadUnaligned(fromByteOffset: a + k, as: UInt64.self) ^ raw.loadUnaligned(fromByteOffset: b + k, as: UInt64.self)
            if x != 0 { return k + x.trailingZeroBitCount / 8 }
            k += 8
        }
        while k < limit && base[a + k] == base[b + k] { k += 1 }
        return k
    }

    /// A literal is its byte; a match sets bit 31 and packs length (9 bits) and distance.
    private enum Token {
        static func match(length: Int, distance: Int) -> UInt32 {
            0x8000_0000 | UInt32(length) << 16 | UInt32(distance - 1)
        }
    }

    // MARK: - Huffman blocks

    /// Writes one dynamic-Huffman block of `tokens` followed by end-of-block.
    private static func writeBlock(_ tokens: [UInt32], last: Bool, into bits: inout BitWriter) {
        var literalFrequencies = [Int](repeating: 0, count: 286), distanceFrequencies = [Int](repeating: 0, count: 30)
        for t in tokens {
            if t & 0x8000_0000 == 0 {
                literalFrequencies[Int(t)] += 1
            } else {
                literalFrequencies[Int(Tables.lengthSymbol[Int(t >> 16 & 0x1FF)])] += 1
                distanceFrequencies[Tables.distanceSymbol(Int(t & 0xFFFF))] += 1
            }
        }
        literalFrequencies[256] = 1
        let literal = HuffmanCode(frequencies: literalFrequencies, limit: 15)
        let distance = HuffmanCode(frequencies: distanceFrequencies, limit: 15)

        // Header: the two code-length sequences, run-length coded with symbols 16, 17, 18.
        var literalCount = 286, distanceCount = 30
        while literalCount > 257 && literal.lengths[literalCount - 1] == 0 { literalCount -= 1 }
        while distanceCount > 1 && distance.lengths[distanceCount - 1] == 0 { distanceCount -= 1 }
        let runs = lengthRuns(Array(literal.lengths[0..<literalCount]) + Array(distance.lengths[0..<distanceCount]))
        var lengthFrequencies = [Int](repeating: 0, count: 19)
        for r in runs { lengthFrequencies[Int(r.symbol)] += 1 }
        let lengthCode = HuffmanCode(frequencies: lengthFrequencies, limit: 7)
        var lengthCodeCount = 19
        while lengthCodeCount > 4 && lengthCode.lengths[Tables.lengthOrder[lengthCodeCount - 1]] == 0 { lengthCodeCount -= 1 }

        bits.write(last ? 1 : 0, count: 1)
        bits.write(2, count: 2)
        bits.write(UInt64(literalCount - 257), count: 5)
        bits.write(UInt64(distanceCount - 1), count: 5)
        bits.write(UInt64(lengthCodeCount - 4), count: 4)
        for i in 0..<lengthCodeCount { bits.write(UInt64(lengthCode.lengths[Tables.lengthOrder[i]]), count: 3) }
        for r in runs {
            lengthCode.write(Int(r.symbol), into: &bits)
            if r.extraBits > 0 { bits.write(UInt64(r.extra), count: Int(r.extraBits)) }
        }

        for t in tokens {
            if t & 0x8000_0000 == 0 {
                literal.write(Int(t), into: &bits)
            } else {
                let length = Int(t >> 16 & 0x1FF), d = Int(t & 0xFFFF) + 1
                let symbol = Int(Tables.lengthSymbol[length])
                literal.write(symbol, into: &bits)
                let lengthExtra = Int(Tables.lengthExtraBits[symbol - 257])
                if lengthExtra > 0 { bits.write(UInt64(length - Int(Tables.lengthBase[symbol - 257])), count: lengthExtra) }
                let ds = Tables.distanceSymbol(d - 1)
                distance.write(ds, into: &bits)
                let distanceExtra = Int(Tables.distanceExtraBits[ds])
                if distanceExtra > 0 { bits.write(UInt64(d - Int(Tables.distanceBase[ds])), count: distanceExtra) }
            }
        }
        literal.write(256, into: &bits)
    }

    /// A code length sequence as code-length symbols: 0–15 literally, 16 repeats the previous
    /// length 3–6 times, 17 and 18 give runs of 3–10 and 11–138 zeros.
    private static func lengthRuns(_ lengths: [UInt8]) -> [(symbol: UInt8, extra: UInt8, extraBits: UInt8)] {
        var runs: [(symbol: UInt8, extra: UInt8, extraBits: UInt8)] = []
        var i = 0
        while i < lengths.count {
            let v = lengths[i]
            var run = 1
            while i + run < lengths.count && lengths[i + run] == v { run += 1 }
            i += run
            if v == 0 {
                while run >= 11 { let k = min(run, 138); runs.append((18, UInt8(k - 11), 7)); run -= k }
                if run >= 3 { runs.append((17, UInt8(run - 3), 3)); run = 0 }
            } else {
                runs.append((v, 0, 0)); run -= 1
                while run >= 3 { let k = min(run, 6); runs.append((16, UInt8(k - 3), 2)); run -= k }
            }
            for _ in 0..<run { runs.append((v, 0, 0)) }
        }
        return runs
    }
}

/// A canonical Huffman code of limited length, built from symbol frequencies.
private struct HuffmanCode {
    /// Code length per symbol (0 for unused symbols).
    private(set) var lengths: [UInt8]
    /// Codes with their bits reversed, ready for deflate's least-significant-bit-first order.
    private var codes: [UInt16]

    /// Lengths from the Huffman tree of `frequencies`, limited to `limit` bits as miniz does
    /// (overflowing leaves moved up until Kraft's sum is exactly 1), then canonical codes. At
    /// least two symbols get a code, so every code is complete.
    init(frequencies input: [Int], limit: Int) {
        var frequencies = input
        var used = frequencies.indices.filter { frequencies[$0] > 0 }
        for s in 0..<2 where used.count < 2 && !used.contains(s) { frequencies[s] = 1; used.append(s) }
        // Leaves by ascending frequency (ties by symbol, for identical output everywhere).
        used.sort { (frequencies[$0], $0) < (frequencies[$1], $1) }
        let depths = HuffmanCode.leafDepths(used.map { frequencies[$0] })
        // Count codes per length, folding anything deeper than the limit into it, then fix
        // the Kraft sum by moving leaves one level down from the shallowest possible place.
        var perLength = [Int](repeating: 0, count: max(limit, depths.max() ?? 0) + 1)
        for d in depths { perLength[min(d, limit)] += 1 }
        var kraft = (1...limit).reduce(0) { $0 + perLength[$1] << (limit - $1) }
        while kraft > 1 << limit {
            perLength[limit] -= 1
            for i in stride(from: limit - 1, through: 1, by: -1) where perLength[i] > 0 {
                perLength[i] -= 1
                perLength[i + 1] += 2
                break
            }
            kraft -= 1
        }
        // The most frequent symbols get the shortest codes.
        lengths = [UInt8](repeating: 0, count: input.count)
        var next = used.count - 1
        for length in 1...limit {
            for _ in 0..<perLength[length] { lengths[used[next]] = UInt8(length); next -= 1 }
        }
        // Canonical codes (RFC 1951, 3.2.2), bit-reversed.
        var count = [Int](repeating: 0, count: 16), nextCode = [Int](repeating: 0, count: 16)
        for l in lengths where l > 0 { count[Int(l)] += 1 }
        for bits in 1..<16 { nextCode[bits] = (nextCode[bits - 1] + count[bits - 1]) << 1 }
        codes = [UInt16](repeating: 0, count: input.count)
        for s in lengths.indices where lengths[s] > 0 {
            let l = Int(lengths[s])
            var c = nextCode[l], reversed = 0
            nextCode[l] += 1
            for _ in 0..<l { reversed = reversed << 1 | c & 1; c >>= 1 }
            codes[s] = UInt16(reversed)
        }
    }

    /// Depth of each leaf (frequencies ascending) in a Huffman tree, by the two-queue method.
    private static func leafDepths(_ frequencies: [Int]) -> [Int] {
        let n = frequencies.count
        var weight = frequencies + [Int](repeating: 0, count: n - 1)
        var parent = [Int](repeating: -1, count: 2 * n - 1)
        var leaf = 0, node = n, built = n
        func smallest() -> Int {
            if leaf < n && (node >= built || weight[leaf] <= weight[node]) { leaf += 1; return leaf - 1 }
            node += 1
            return node - 1
        }
        while built < 2 * n - 1 {
            let a = smallest(), b = smallest()
            weight[built] = weight[a] + weight[b]
            parent[a] = built; parent[b] = built
            built += 1
        }
        var depth = [Int](repeating: 0, count: 2 * n - 1)
        for i in stride(from: 2 * n - 3, through: 0, by: -1) { depth[i] = depth[parent[i]] + 1 }
        return Array(depth[0..<n])
    }

    @inline(__always)
    func write(_ symbol: Int, into bits: inout BitWriter) {
        bits.write(UInt64(codes[symbol]), count: Int(lengths[symbol]))
    }
}

/// Bits packed least-significant first, as deflate wants them.
private struct BitWriter {
    private(set) var bytes: [UInt8]
    private var buffer: UInt64 = 0
    private var count = 0

    init() { bytes = [] }

    @inline(__always)
    mutating func write(_ value: UInt64, count n: Int) {
        buffer |= value << UInt64(count)
        count += n
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    mutating func alignToByte() {
        if count > 0 { write(0, count: 8 - count) }
    }
}

/// Deflate's length and distance alphabets (RFC 1951, 3.2.5).
private enum Tables {
    static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                       67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtraBits: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                         1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtraBits: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
                                             11, 11, 12, 12, 13, 13]
    /// Order in which the code-length code's lengths are sent.
    static let lengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Literal/length symbol of each match length 0…258 (3…258 used).
    static let lengthSymbol: [UInt16] = (0...258).map { length in
        guard length >= 3 else { return 0 }
        return UInt16(257 + lengthBase.lastIndex { Int($0) <= length }!)
    }

    /// Distance symbol of each distance − 1 below 256 and of each (distance − 1) >> 7 above.
    private static let nearDistanceSymbol: [UInt8] = (1...256).map { symbolByBase($0) }
    private static let farDistanceSymbol: [UInt8] = (0..<256).map { symbolByBase(($0 << 7) + 1) }

    private static func symbolByBase(_ distance: Int) -> UInt8 {
        UInt8(distanceBase.lastIndex { Int($0) <= distance }!)
    }

    /// Distance symbol of a stored distance − 1.
    @inline(__always)
    static func distanceSymbol(_ distanceMinusOne: Int) -> Int {
        distanceMinusOne < 256 ? Int(nearDistanceSymbol[distanceMinusOne]) : Int(farDistanceSymbol[distanceMinusOne >> 7])
    }
}
