import CFFmpeg
import DneckCore
import Dispatch

/// FFmpeg's functions, reached through the libraries the shim loads with dlopen on first use
/// (so that commands other than `movie` do not load FFmpeg's hundred-odd dependencies).
/// Call `load()` before any of them: it tells whether the libraries are there.
public enum FFmpeg {
    /// Loads libavformat, libavcodec, libavutil and libswscale; throws naming them when one is missing.
    public static func load() throws {
        guard dneck_av_symbol("avformat_version") != nil, dneck_av_symbol("avcodec_version") != nil,
              dneck_av_symbol("avutil_version") != nil, dneck_av_symbol("swscale_version") != nil else {
            throw DneckError.encode(file: "(movie)", detail: "cannot load FFmpeg (\(String(cString: dneck_av_sonames()))); install libavformat-dev, libavcodec-dev and libswscale-dev")
        }
    }

    /// Starts `load()` on another thread (the libraries take some 30 ms to load and initialise)
    /// and returns it, to wait for before the process exits: an exit while a library is still
    /// being initialised can abort the process (libgomp's and GLib's initialisers assert).
    public static func loadInBackground() -> BackgroundLoad {
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { _ = try? load() }
        return BackgroundLoad(group: group)
    }

    /// A `load()` under way on another thread.
    public struct BackgroundLoad {
        fileprivate let group: DispatchGroup

        /// Returns once the load has finished.
        public func wait() { group.wait() }
    }

    public static let av_log_set_level = dneck_fn_av_log_set_level()!
    public static let av_strerror = dneck_fn_av_strerror()!
    public static let av_opt_set = dneck_fn_av_opt_set()!
    public static let av_dict_set = dneck_fn_av_dict_set()!
    public static let av_dict_free = dneck_fn_av_dict_free()!
    public static let av_frame_alloc = dneck_fn_av_frame_alloc()!
    public static let av_frame_free = dneck_fn_av_frame_free()!
    public static let av_frame_get_buffer = dneck_fn_av_frame_get_buffer()!
    public static let av_frame_make_writable = dneck_fn_av_frame_make_writable()!
    public static let av_get_pix_fmt_name = dneck_fn_av_get_pix_fmt_name()!
    public static let av_packet_alloc = dneck_fn_av_packet_alloc()!
    public static let av_new_packet = dneck_fn_av_new_packet()!
    public static let av_packet_free = dneck_fn_av_packet_free()!
    public static let av_packet_unref = dneck_fn_av_packet_unref()!
    public static let av_packet_rescale_ts = dneck_fn_av_packet_rescale_ts()!
    public static let avcodec_find_encoder_by_name = dneck_fn_avcodec_find_encoder_by_name()!
    public static let avcodec_alloc_context3 = dneck_fn_avcodec_alloc_context3()!
    public static let avcodec_free_context = dneck_fn_avcodec_free_context()!
    public static let avcodec_open2 = dneck_fn_avcodec_open2()!
    public static let avcodec_parameters_from_context = dneck_fn_avcodec_parameters_from_context()!
    public static let avcodec_send_frame = dneck_fn_avcodec_send_frame()!
    public static let avcodec_receive_packet = dneck_fn_avcodec_receive_packet()!
    public static let avformat_alloc_output_context2 = dneck_fn_avformat_alloc_output_context2()!
    public static let avformat_new_stream = dneck_fn_avformat_new_stream()!
    public static let avformat_write_header = dneck_fn_avformat_write_header()!
    public static let av_interleaved_write_frame = dneck_fn_av_interleaved_write_frame()!
    public static let av_write_trailer = dneck_fn_av_write_trailer()!
    public static let avformat_free_context = dneck_fn_avformat_free_context()!
    public static let avio_open = dneck_fn_avio_open()!
    public static let avio_closep = dneck_fn_avio_closep()!
    public static let sws_getCachedContext = dneck_fn_sws_getCachedContext()!
    public static let sws_freeContext = dneck_fn_sws_freeContext()!
    public static let sws_setColorspaceDetails = dneck_fn_sws_setColorspaceDetails()!
    public static let sws_getCoefficients = dneck_fn_sws_getCoefficients()!
    public static let sws_scale = dneck_fn_sws_scale()!
}
