import CFFmpeg
import DneckMovie
import Foundation

/// Decodes an MP4 back through libavformat/libavcodec, for checking movies in tests.
struct DecodedMovie {
    var codecName = ""
    var pixelFormat = ""
    var width = 0
    var height = 0
    var frameRate = 0.0
    /// Container duration in seconds.
    var duration = 0.0
    /// Whether the `moov` index precedes the `mdat` media data (faststart).
    var indexFirst = false
    /// Decoded frames: Y, U, V planes, tightly packed.
    var frames: [(y: [UInt8], u: [UInt8], v: [UInt8])] = []

    init(path: String) throws {
        try FFmpeg.load()
        var format: UnsafeMutablePointer<AVFormatContext>?
        guard Decoding.avformat_open_input(&format, path, nil, nil) >= 0, let format else { throw DecodeError("cannot open \(path)") }
        defer { var f: UnsafeMutablePointer<AVFormatContext>? = format; Decoding.avformat_close_input(&f) }
        guard Decoding.avformat_find_stream_info(format, nil) >= 0 else { throw DecodeError("no stream info") }
        let index = Decoding.av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard index >= 0 else { throw DecodeError("no video stream") }
        let stream = format.pointee.streams[Int(index)]!
        let parameters = stream.pointee.codecpar!
        guard let decoder = Decoding.avcodec_find_decoder(parameters.pointee.codec_id) else { throw DecodeError("no decoder") }
        codecName = String(cString: decoder.pointee.name)
        width = Int(parameters.pointee.width)
        height = Int(parameters.pointee.height)
        pixelFormat = FFmpeg.av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.pointee.format)).map { String(cString: $0) } ?? "unknown"
        frameRate = av_q2d(stream.pointee.avg_frame_rate)
        duration = Double(format.pointee.duration) / 1_000_000
        var codec: UnsafeMutablePointer<AVCodecContext>? = FFmpeg.avcodec_alloc_context3(decoder)
        defer { FFmpeg.avcodec_free_context(&codec) }
        guard Decoding.avcodec_parameters_to_context(codec, parameters) >= 0 else { throw DecodeError("bad codec parameters") }
        codec!.pointee.thread_count = 1
        guard FFmpeg.avcodec_open2(codec, decoder, nil) >= 0 else { throw DecodeError("cannot open decoder") }
        var packet: UnsafeMutablePointer<AVPacket>? = FFmpeg.av_packet_alloc()
        var frame: UnsafeMutablePointer<AVFrame>? = FFmpeg.av_frame_alloc()
        defer { FFmpeg.av_packet_free(&packet); FFmpeg.av_frame_free(&frame) }
        func drain() {
            while Decoding.avcodec_receive_frame(codec, frame) >= 0 {
                let f = frame!.pointee
                func plane(_ data: UnsafeMutablePointer<UInt8>, _ stride: Int32, _ w: Int, _ h: Int) -> [UInt8] {
                    var out = [UInt8](); out.reserveCapacity(w * h)
                    for row in 0..<h { out += UnsafeBufferPointer(start: data + row * Int(stride), count: w) }
                    return out
                }
                frames.append((plane(f.data.0!, f.linesize.0, width, height),
                               plane(f.data.1!, f.linesize.1, width / 2, height / 2),
                               plane(f.data.2!, f.linesize.2, width / 2, height / 2)))
            }
        }
        while Decoding.av_read_frame(format, packet) >= 0 {
            if packet!.pointee.stream_index == index { _ = Decoding.avcodec_send_packet(codec, packet); drain() }
            FFmpeg.av_packet_unref(packet)
        }
        _ = Decoding.avcodec_send_packet(codec, nil)
        drain()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        if let moov = bytes.range(of: Data("moov".utf8)), let mdat = bytes.range(of: Data("mdat".utf8)) {
            indexFirst = moov.lowerBound < mdat.lowerBound
        }
    }

    /// RGB of a pixel of frame `k` (BT.601 limited range, as encoded).
    func rgb(frame k: Int, x: Int, y: Int) -> (r: Int, g: Int, b: Int) {
        let f = frames[k]
        let yy = Double(f.y[y * width + x]) - 16
        let u = Double(f.u[(y / 2) * (width / 2) + x / 2]) - 128
        let v = Double(f.v[(y / 2) * (width / 2) + x / 2]) - 128
        let clamp = { (d: Double) in Int(min(max(d.rounded(), 0), 255)) }
        return (clamp(1.164 * yy + 1.596 * v), clamp(1.164 * yy - 0.392 * u - 0.813 * v), clamp(1.164 * yy + 2.017 * u))
    }

    /// A checksum of every decoded frame's planes.
    var frameChecksums: [Int] {
        frames.map { f in
            var hasher = Hasher()
            hasher.combine(f.y); hasher.combine(f.u); hasher.combine(f.v)
            return hasher.finalize()
        }
    }
}

struct DecodeError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// FFmpeg's decoding functions, which only the tests use, looked up in the libraries the
/// product's shim has loaded.
private enum Decoding {
    private static func function<T>(_ name: String, as type: T.Type) -> T {
        guard let symbol = dneck_av_symbol(name) else { fatalError("FFmpeg has no \(name)") }
        return unsafeBitCast(symbol, to: type)
    }

    static let avformat_open_input = function("avformat_open_input", as: (@convention(c) (
        UnsafeMutablePointer<UnsafeMutablePointer<AVFormatContext>?>?, UnsafePointer<CChar>?, UnsafePointer<AVInputFormat>?,
        UnsafeMutablePointer<OpaquePointer?>?) -> Int32).self)
    static let avformat_find_stream_info = function("avformat_find_stream_info", as: (@convention(c) (
        UnsafeMutablePointer<AVFormatContext>?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32).self)
    static let avformat_close_input = function("avformat_close_input", as: (@convention(c) (
        UnsafeMutablePointer<UnsafeMutablePointer<AVFormatContext>?>?) -> Void).self)
    static let av_find_best_stream = function("av_find_best_stream", as: (@convention(c) (
        UnsafeMutablePointer<AVFormatContext>?, AVMediaType, Int32, Int32, UnsafeMutablePointer<UnsafePointer<AVCodec>?>?,
        Int32) -> Int32).self)
    static let av_read_frame = function("av_read_frame", as: (@convention(c) (
        UnsafeMutablePointer<AVFormatContext>?, UnsafeMutablePointer<AVPacket>?) -> Int32).self)
    static let avcodec_find_decoder = function("avcodec_find_decoder", as: (@convention(c) (AVCodecID) -> UnsafePointer<AVCodec>?).self)
    static let avcodec_parameters_to_context = function("avcodec_parameters_to_context", as: (@convention(c) (
        UnsafeMutablePointer<AVCodecContext>?, UnsafePointer<AVCodecParameters>?) -> Int32).self)
    static let avcodec_send_packet = function("avcodec_send_packet", as: (@convention(c) (
        UnsafeMutablePointer<AVCodecContext>?, UnsafePointer<AVPacket>?) -> Int32).self)
    static let avcodec_receive_frame = function("avcodec_receive_frame", as: (@convention(c) (
        UnsafeMutablePointer<AVCodecContext>?, UnsafeMutablePointer<AVFrame>?) -> Int32).self)
}
