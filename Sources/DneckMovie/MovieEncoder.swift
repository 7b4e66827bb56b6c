import CFFmpeg
import DneckCairo
import DneckCore
import Foundation

/// Encoder settings of a movie.
public struct MovieSettings: Sendable {
    public var fps: Int
    /// x264 constant rate factor: lower is better quality (18–23 is visually lossless for plots).
    public var crf: Int
    /// x264 preset, from ultrafast to veryslow; nil for `plotTuning`.
    public var preset: String?
    /// Encoder threads: fixed, not the machine's core count, so the bytes do not depend on it.
    public var threads: Int

    public init(fps: Int = 7, crf: Int = 20, preset: String? = nil, threads: Int = 2) {
        self.fps = fps; self.crf = crf; self.preset = preset; self.threads = threads
    }

    /// The x264 presets.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                 "slower", "veryslow"]

    /// The default: preset ultrafast with CABAC, 8 × 8 transforms and intra partitions,
    /// adaptive quantisation and the macroblock tree over 5 frames of lookahead back on. A
    /// plot's frames are still but for a few marks, which jump rather than glide: the motion
    /// search and the B-frames of slower presets buy little. Measured on 180 frames of
    /// 900 × 1350 against the lossless movie: 564 kB at SSIM 0.9992, with about 40 % less
    /// libx264 time than veryfast (366 kB at 0.9996; medium: 354 kB at 0.9998, slower again).
    public static let plotTuning = (preset: "ultrafast", options: "cabac=1:8x8dct=1:partitions=i8x8,i4x4:aq-mode=1:mbtree=1:rc-lookahead=5")

    /// Whether each frame's packet must come out as the frame goes in (`LiveMovie`).
    private var delayFree = false

    /// These settings for a movie that grows frame by frame: one thread, no lookahead and no
    /// B-frames, so that libx264 holds no frame back.
    var withoutDelay: MovieSettings {
        var settings = self
        settings.threads = 1
        settings.delayFree = true
        return settings
    }

    /// The x264 preset and extra options (x264's `key=value:…`) these settings give.
    var x264: (preset: String, options: String?) {
        let (preset, options) = self.preset.map { ($0, nil) } ?? MovieSettings.plotTuning
        guard delayFree else { return (preset, options) }
        return (preset, [options, "bframes=0:mbtree=0:rc-lookahead=0:sync-lookahead=0:force-cfr=1"].compactMap { $0 }.joined(separator: ":"))
    }
}

/// H.264 in MP4 through FFmpeg's libraries, in-process: BGRA rasters → YUV 4:2:0 (BT.601,
/// limited range, by libswscale) → libx264 (`H264Codec`) → libavformat's MP4 muxer with the
/// index at the front (`MP4Muxer`). Frames have even width and height (a figure of odd size is
/// drawn on a raster one pixel larger, whose extra column or row shows the background).
/// Deterministic: fixed threads, bit-exact flags, no wall-clock metadata.
public final class MovieEncoder {
    public var width: Int { codec.width }
    public var height: Int { codec.height }
    private let codec: H264Codec
    private let muxer: MP4Muxer
    private var frameIndex: Int64 = 0
    private var finished = false

    /// Opens `path` for a movie of frames `width × height` (rounded up to even).
    public init(path: String, width: Int, height: Int, settings: MovieSettings) throws {
        codec = try H264Codec(path: path, width: width, height: height, settings: settings)
        muxer = try MP4Muxer(path: path, codec: codec)
    }

    /// A YUV 4:2:0 frame of this movie's size, to fill with `convert(_:into:)`.
    public func makeFrame() throws -> VideoFrame { try VideoFrame(pictureWidth: width, height: height) }

    /// Encodes one frame (and writes whatever packets the encoder has ready).
    public func encode(_ frame: VideoFrame) throws {
        frame.frame.pointee.pts = frameIndex
        frameIndex += 1
        try codec.send(frame.frame) { try muxer.write($0) }
    }

    /// Flushes the encoder and writes the index; the file is complete after this.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try codec.send(nil) { try muxer.write($0) }
        try muxer.finish()
    }
}

/// libx264 through libavcodec: frames in, H.264 packets out, the parameter sets (SPS, PPS) kept
/// out of band for MP4 (`extradata`).
final class H264Codec {
    let width: Int
    let height: Int
    /// The movie's path, for messages.
    let path: String
    private(set) var context: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?

    /// libx264 opened for frames `width × height` (rounded up to even).
    init(path: String, width: Int, height: Int, settings: MovieSettings) throws {
        self.path = path
        self.width = (width + 1) & ~1
        self.height = (height + 1) & ~1
        try FFmpeg.load()
        // Silent: every failure comes back as a status and becomes one error line of ours.
        FFmpeg.av_log_set_level(dneck_av_log_quiet())
        guard let encoder = FFmpeg.avcodec_find_encoder_by_name("libx264") else {
            throw DneckError.encode(file: path, detail: "this FFmpeg has no libx264 encoder")
        }
        guard let codec = FFmpeg.avcodec_alloc_context3(encoder), let packet = FFmpeg.av_packet_alloc() else {
            throw DneckError.encode(file: path, detail: "out of memory")
        }
        (context, self.packet) = (codec, packet)
        codec.pointee.width = Int32(self.width)
        codec.pointee.height = Int32(self.height)
        codec.pointee.time_base = AVRational(num: 1, den: Int32(settings.fps))
        codec.pointee.framerate = AVRational(num: Int32(settings.fps), den: 1)
        codec.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        codec.pointee.color_range = AVCOL_RANGE_MPEG
        codec.pointee.colorspace = AVCOL_SPC_SMPTE170M
        codec.pointee.color_primaries = AVCOL_PRI_SMPTE170M
        codec.pointee.color_trc = AVCOL_TRC_SMPTE170M
        codec.pointee.thread_count = Int32(settings.threads)
        codec.pointee.flags |= dneck_codec_flag_bitexact() | dneck_codec_flag_global_header()
        _ = FFmpeg.av_opt_set(codec.pointee.priv_data, "preset", settings.x264.preset, 0)
        if let options = settings.x264.options { _ = FFmpeg.av_opt_set(codec.pointee.priv_data, "x264-params", options, 0) }
        _ = FFmpeg.av_opt_set(codec.pointee.priv_data, "crf", "\(settings.crf)", 0)
        let status = FFmpeg.avcodec_open2(codec, encoder, nil)
        guard status >= 0 else { throw DneckError.encode(file: path, detail: "cannot open libx264: \(H264Codec.message(status))") }
    }

    deinit {
        if packet != nil { FFmpeg.av_packet_free(&packet) }
        if context != nil { FFmpeg.avcodec_free_context(&context) }
    }

    /// The parameter sets libx264 wrote when it opened.
    var extradata: [UInt8] {
        guard let c = context?.pointee, let data = c.extradata else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(c.extradata_size)))
    }

    /// Sends `frame` (nil: the end, flushing what the encoder holds) and hands `take` each packet
    /// ready, in the codec's time base and with the duration of one frame.
    func send(_ frame: UnsafeMutablePointer<AVFrame>?, _ take: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        var status = FFmpeg.avcodec_send_frame(context, frame)
        guard status >= 0 else { throw DneckError.encode(file: path, detail: "libx264 refused a frame: \(H264Codec.message(status))") }
        while true {
            status = FFmpeg.avcodec_receive_packet(context, packet)
            if status == dneck_averror_eagain() || status == dneck_averror_eof() { return }
            guard status >= 0 else { throw DneckError.encode(file: path, detail: H264Codec.message(status)) }
            // libx264 leaves durations at 0; without one frame's duration the movie is a frame short.
            packet!.pointee.duration = 1
            defer { FFmpeg.av_packet_unref(packet) }
            try take(packet!)
        }
    }

    /// FFmpeg's own words for an error code.
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = FFmpeg.av_strerror(code, &buffer, buffer.count)
        return String(cString: buffer)
    }
}

/// libavformat's MP4 muxer for the stream of one `H264Codec`, with the index at the front
/// (faststart) and no wall-clock metadata.
final class MP4Muxer {
    private let path: String
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private let stream: UnsafeMutablePointer<AVStream>
    private let codecTimeBase: AVRational

    /// Opens `path` and writes the header of `codec`'s stream.
    init(path: String, codec: H264Codec) throws {
        self.path = path
        let fail = { (what: String, code: Int32) in DneckError.encode(file: path, detail: "\(what): \(H264Codec.message(code))") }
        var format: UnsafeMutablePointer<AVFormatContext>?
        var status = FFmpeg.avformat_alloc_output_context2(&format, nil, "mp4", path)
        guard status >= 0, let format else { throw fail("cannot set up the MP4 muxer", status) }
        self.format = format
        format.pointee.flags |= dneck_fmt_flag_bitexact()
        guard let stream = FFmpeg.avformat_new_stream(format, nil) else {
            FFmpeg.avformat_free_context(format)
            throw DneckError.encode(file: path, detail: "out of memory")
        }
        self.stream = stream
        codecTimeBase = codec.context!.pointee.time_base
        status = FFmpeg.avcodec_parameters_from_context(stream.pointee.codecpar, codec.context)
        guard status >= 0 else { cleanUp(); throw fail("cannot copy codec parameters", status) }
        stream.pointee.time_base = codecTimeBase
        status = FFmpeg.avio_open(&format.pointee.pb, path, dneck_avio_flag_write())
        guard status >= 0 else { cleanUp(); throw DneckError.unwritable(file: path, detail: H264Codec.message(status)) }
        var options: OpaquePointer?
        _ = FFmpeg.av_dict_set(&options, "movflags", "+faststart", 0)
        status = FFmpeg.avformat_write_header(format, &options)
        FFmpeg.av_dict_free(&options)
        guard status >= 0 else { cleanUp(); throw fail("cannot write the MP4 header", status) }
    }

    deinit { cleanUp() }

    /// Writes `packet` (in the codec's time base; the muxer takes its data).
    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws {
        FFmpeg.av_packet_rescale_ts(packet, codecTimeBase, stream.pointee.time_base)
        packet.pointee.stream_index = stream.pointee.index
        let status = FFmpeg.av_interleaved_write_frame(format, packet)
        guard status >= 0 else { throw DneckError.unwritable(file: path, detail: H264Codec.message(status)) }
    }

    /// Writes the index; the file is complete after this.
    func finish() throws {
        let status = FFmpeg.av_write_trailer(format)
        guard status >= 0 else { throw DneckError.encode(file: path, detail: "cannot write the MP4 index: \(H264Codec.message(status))") }
        cleanUp()
    }

    private func cleanUp() {
        guard let format else { return }
        if format.pointee.pb != nil { _ = FFmpeg.avio_closep(&format.pointee.pb) }
        FFmpeg.avformat_free_context(format)
        self.format = nil
    }
}

/// One YUV 4:2:0 picture owned by libavutil.
public final class VideoFrame {
    let frame: UnsafeMutablePointer<AVFrame>
    private let converter = ColorConverter()

    /// A frame for pictures of `width × height` pixels (16 or more each way), rounded up to
    /// even as H.264 in 4:2:0 needs.
    public init(pictureWidth width: Int, height: Int) throws {
        guard width >= 16, height >= 16 else {
            throw DneckError.encode(file: "(frame)", detail: "a movie frame of \(width)×\(height) pixels is too small (16 × 16 at least)")
        }
        try FFmpeg.load()
        let (width, height) = ((width + 1) & ~1, (height + 1) & ~1)
        guard let frame = FFmpeg.av_frame_alloc() else { throw DneckError.encode(file: "(frame)", detail: "out of memory") }
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        guard FFmpeg.av_frame_get_buffer(frame, 0) >= 0 else {
            var f: UnsafeMutablePointer<AVFrame>? = frame
            FFmpeg.av_frame_free(&f)
            throw DneckError.encode(file: "(frame)", detail: "out of memory")
        }
        self.frame = frame
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        FFmpeg.av_frame_free(&f)
    }

    /// Fills the picture from a BGRA raster of its own (even) size: all of it, or the tiles of
    /// `grid` marked in `tiles` (see `ColorConverter`).
    public func fill(from raster: Raster, tiles: [Bool]? = nil, of grid: TileGrid? = nil) throws {
        guard FFmpeg.av_frame_make_writable(frame) >= 0 else { throw DneckError.encode(file: "(frame)", detail: "frame not writable") }
        let f = frame.pointee
        precondition(raster.width == Int(f.width) && raster.height == Int(f.height), "the raster is not the frame's size")
        let runs = grid.map { $0.runs(tiles ?? Array(repeating: true, count: $0.count)) } ?? [PixelRegion(all: raster.width, raster.height)]
        try converter.convert(raster, runs: runs, into: f)
    }
}
