import CFFmpeg
import DneckCairo
import DneckCore
import DneckFigure
import Foundation

/// A movie that grows while its run is written (`watch`). The frames already encoded are kept
/// as H.264 packets with the marks they were drawn from; an update encodes only from the first
/// frame that is not what was encoded (usually just the new ones: a frame whose decorations
/// or marks changed, and every frame after it, are encoded again, the first of them as a key
/// frame of a fresh encoder), then writes the whole movie again from the packets. The encoder
/// holds no frame back (`MovieSettings.withoutDelay`), so every committed frame is in the movie.
/// Not byte for byte the movie `MovieWriter` makes of the same frames (its encoder looks ahead);
/// `watch`'s final rendering is made by `MovieWriter`.
public final class LiveMovie {
    private let settings: MovieSettings
    private var codec: H264Codec?
    /// One per encoded frame, in order.
    private var packets: [StoredPacket] = []
    /// The marks each encoded frame was drawn from.
    private var encodedMarks: [[[Mark]]] = []
    /// The decorations the encoded frames were drawn over.
    private var decorations: Raster?
    /// Frames encoded by the last update.
    public private(set) var lastEncoded = 0

    public init(settings: MovieSettings) { self.settings = settings.withoutDelay }

    /// Makes the movie of frames 0..<`count` at `url` (atomically): frame k is `template` (laid
    /// out; every frame shares its decorations) with the marks `marks(k)`, panel by panel.
    public func update(count: Int, template: Figure, marks: (Int) -> [[Mark]], to url: URL) throws {
        do {
            let current = (0..<count).map(marks)
            let width = (template.pixelWidth + 1) & ~1, height = (template.pixelHeight + 1) & ~1
            let background = try Raster(width: width, height: height)
            try background.draw(template, layers: [.background, .decorations], forVideo: true)
            let kept = min(encodedMarks.count, count)
            let unchanged = decorations.map { Self.samePixels($0, background) } ?? false
            let start = unchanged ? (0..<kept).first { encodedMarks[$0] != current[$0] } ?? kept : 0
            try encode(current, from: start, template: template, over: background, url: url)
            decorations = background
            try write(to: url)
        } catch let error as DneckError { throw error.naming(url.path) }   // errors name the movie, not its temporary file
    }

    /// Encodes frames `start`… of `current`, a fresh encoder starting at `start` unless it
    /// continues the encoded frames.
    private func encode(_ current: [[[Mark]]], from start: Int, template: Figure, over background: Raster, url: URL) throws {
        if start < encodedMarks.count || codec == nil {
            let fresh = try H264Codec(path: url.path, width: background.width, height: background.height, settings: settings)
            // A movie has one set of parameter sets: a restart that would change them starts over.
            let resumed = codec.map { $0.extradata == fresh.extradata } ?? false
            codec = fresh
            let kept = resumed ? start : 0
            packets.removeLast(packets.count - kept)
            encodedMarks.removeLast(encodedMarks.count - kept)
        }
        let raster = try Raster(width: background.width, height: background.height)
        let frame = try VideoFrame(pictureWidth: background.width, height: background.height)
        let first = encodedMarks.count
        for k in first..<current.count {
            raster.copyPixels(from: background)
            try raster.draw(template.withMarks(current[k]), layers: .marks, forVideo: true)
            try frame.fill(from: raster)
            frame.frame.pointee.pts = Int64(k)
            try codec!.send(frame.frame) { packets.append(StoredPacket($0)) }
            guard packets.count == k + 1 else { throw DneckError.encode(file: url.path, detail: "libx264 held a frame back") }
            encodedMarks.append(current[k])
        }
        lastEncoded = current.count - first
    }

    /// The movie of the encoded packets, written atomically.
    private func write(to url: URL) throws {
        guard let codec else { return }
        try AtomicOutput.write(to: url) { temporary in
            let muxer = try MP4Muxer(path: temporary.path, codec: codec)
            for stored in packets { try stored.withPacket(path: url.path) { try muxer.write($0) } }
            try muxer.finish()
        }
    }

    private static func samePixels(_ a: Raster, _ b: Raster) -> Bool {
        guard a.width == b.width, a.height == b.height, a.stride == b.stride else { return false }
        return a.withPixels { p in b.withPixels { q in memcmp(p, q, a.stride * a.height) == 0 } }
    }
}

/// An encoded frame kept in memory: its bytes, time stamps and flags.
private struct StoredPacket {
    let bytes: [UInt8]
    let pts: Int64
    let dts: Int64
    let flags: Int32

    init(_ packet: UnsafeMutablePointer<AVPacket>) {
        let p = packet.pointee
        bytes = Array(UnsafeBufferPointer(start: p.data, count: Int(p.size)))
        (pts, dts, flags) = (p.pts, p.dts, p.flags)
    }

    /// `body` of a packet holding these bytes (the muxer may take them).
    func withPacket(path: String, _ body: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        var allocated = FFmpeg.av_packet_alloc()
        defer { FFmpeg.av_packet_free(&allocated) }
        guard let packet = allocated, FFmpeg.av_new_packet(packet, Int32(bytes.count)) >= 0 else {
            throw DneckError.encode(file: path, detail: "out of memory")
        }
        bytes.withUnsafeBufferPointer { packet.pointee.data.update(from: $0.baseAddress!, count: bytes.count) }
        (packet.pointee.pts, packet.pointee.dts, packet.pointee.flags, packet.pointee.duration) = (pts, dts, flags, 1)
        try body(packet)
    }
}
