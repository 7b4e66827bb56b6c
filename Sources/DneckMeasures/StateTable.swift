/// Rows of bin indices, row-major.
struct BinnedRows {
    let rows: Int
    let columns: Int
    let bins: [UInt64]
}

/// Numbers the distinct rows of a `BinnedRows` with an open-addressing hash table keyed by
/// whole rows (no strings, no sort): equal rows get equal ids, ids count up from 0 in order of
/// first appearance.
struct StateTable {
    /// The state id of every row.
    let ids: [Int32]
    /// Number of distinct rows.
    let count: Int

    static func assign(rowsOf binned: BinnedRows) -> StateTable {
        let n = binned.rows, width = binned.columns
        guard width > 0 else { return StateTable(ids: [Int32](repeating: 0, count: n), count: n > 0 ? 1 : 0) }
        var capacity = 16
        while capacity < 2 * n { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)   // representative row of a state
        var slotState = [Int32](repeating: 0, count: capacity)
        var ids = [Int32](repeating: 0, count: n)
        var count: Int32 = 0
        binned.bins.withUnsafeBufferPointer { bins in
            for row in 0..<n {
                let start = row * width
                var slot = Int(truncatingIfNeeded: hash(bins, start, width)) & mask
                while true {
                    let other = slots[slot]
                    if other < 0 {
                        slots[slot] = Int32(row)
                        slotState[slot] = count
                        ids[row] = count
                        count += 1
                        break
                    }
                    if equal(bins, start, Int(other) * width, width) {
                        ids[row] = slotState[slot]
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
        return StateTable(ids: ids, count: Int(count))
    }

    /// Σ bins[i] · K[i] with a different odd constant per column (independent multiplies, so
    /// the sum pipelines), then splitmix64's finaliser to bring the high bits down. Only slot
    /// choice depends on it: rows are compared in full.
    private static func hash(_ bins: UnsafeBufferPointer<UInt64>, _ start: Int, _ width: Int) -> UInt64 {
        var h: UInt64 = UInt64(truncatingIfNeeded: width)
        for i in 0..<width {
            h &+= bins[start + i] &* (0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: i) &* 0xD6E8_FEB8_6659_FD94)
        }
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    private static func equal(_ bins: UnsafeBufferPointer<UInt64>, _ a: Int, _ b: Int, _ width: Int) -> Bool {
        for i in 0..<width where bins[a + i] != bins[b + i] { return false }
        return true
    }
}
