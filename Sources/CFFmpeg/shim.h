#ifndef DNECK_CFFMPEG_SHIM_H
#define DNECK_CFFMPEG_SHIM_H
// FFmpeg's libraries (libavformat, libavcodec, libavutil, libswscale), loaded with dlopen the first time a movie is made rather than linked:
// libavformat and libavcodec bring about 130 shared libraries with them, which every command
// would otherwise pay for at start-up (about 50 ms). The headers give the types; each function
// is reached through `dneck_fn_<name>()`, a pointer looked up once. Plus accessors for the
// macros Swift cannot import.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#define DNECK_SONAME(lib, major) "lib" #lib ".so." AV_STRINGIFY(major)

// (Globals in a header are not emitted for Swift; statics inside inline functions are.)
static inline void **dneck_av_libraries(void) {
    static void *libraries[4];
    return libraries;
}

static inline void dneck_av_open(void) {
    void **libraries = dneck_av_libraries();
    libraries[0] = dlopen(DNECK_SONAME(avformat, LIBAVFORMAT_VERSION_MAJOR), RTLD_NOW | RTLD_GLOBAL);
    libraries[1] = dlopen(DNECK_SONAME(avcodec, LIBAVCODEC_VERSION_MAJOR), RTLD_NOW | RTLD_GLOBAL);
    libraries[2] = dlopen(DNECK_SONAME(avutil, LIBAVUTIL_VERSION_MAJOR), RTLD_NOW | RTLD_GLOBAL);
    libraries[3] = dlopen(DNECK_SONAME(swscale, LIBSWSCALE_VERSION_MAJOR), RTLD_NOW | RTLD_GLOBAL);
}

/// The address of an FFmpeg function, or NULL when the libraries or the symbol are missing.
static inline void *dneck_av_symbol(const char *name) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, dneck_av_open);
    void **libraries = dneck_av_libraries();
    for (int i = 0; i < 4; i++) {
        if (libraries[i]) {
            void *symbol = dlsym(libraries[i], name);
            if (symbol) return symbol;
        }
    }
    return NULL;
}

/// The library names this build expects (for messages).
static inline const char *dneck_av_sonames(void) {
    return DNECK_SONAME(avformat, LIBAVFORMAT_VERSION_MAJOR) ", " DNECK_SONAME(avcodec, LIBAVCODEC_VERSION_MAJOR)
        ", " DNECK_SONAME(avutil, LIBAVUTIL_VERSION_MAJOR) ", " DNECK_SONAME(swscale, LIBSWSCALE_VERSION_MAJOR);
}

#define DNECK_AV_FUNCTION(name) \
    static inline __typeof__(name) *dneck_fn_##name(void) { return (__typeof__(name) *)dneck_av_symbol(#name); }

DNECK_AV_FUNCTION(av_log_set_level)
DNECK_AV_FUNCTION(av_strerror)
DNECK_AV_FUNCTION(av_opt_set)
DNECK_AV_FUNCTION(av_dict_set)
DNECK_AV_FUNCTION(av_dict_free)
DNECK_AV_FUNCTION(av_frame_alloc)
DNECK_AV_FUNCTION(av_frame_free)
DNECK_AV_FUNCTION(av_frame_get_buffer)
DNECK_AV_FUNCTION(av_frame_make_writable)
DNECK_AV_FUNCTION(av_get_pix_fmt_name)
DNECK_AV_FUNCTION(av_packet_alloc)
DNECK_AV_FUNCTION(av_new_packet)
DNECK_AV_FUNCTION(av_packet_free)
DNECK_AV_FUNCTION(av_packet_unref)
DNECK_AV_FUNCTION(av_packet_rescale_ts)
DNECK_AV_FUNCTION(avcodec_find_encoder_by_name)
DNECK_AV_FUNCTION(avcodec_alloc_context3)
DNECK_AV_FUNCTION(avcodec_free_context)
DNECK_AV_FUNCTION(avcodec_open2)
DNECK_AV_FUNCTION(avcodec_parameters_from_context)
DNECK_AV_FUNCTION(avcodec_send_frame)
DNECK_AV_FUNCTION(avcodec_receive_packet)
DNECK_AV_FUNCTION(avformat_alloc_output_context2)
DNECK_AV_FUNCTION(avformat_new_stream)
DNECK_AV_FUNCTION(avformat_write_header)
DNECK_AV_FUNCTION(av_interleaved_write_frame)
DNECK_AV_FUNCTION(av_write_trailer)
DNECK_AV_FUNCTION(avformat_free_context)
DNECK_AV_FUNCTION(avio_open)
DNECK_AV_FUNCTION(avio_closep)
DNECK_AV_FUNCTION(sws_getCachedContext)
DNECK_AV_FUNCTION(sws_freeContext)
DNECK_AV_FUNCTION(sws_setColorspaceDetails)
DNECK_AV_FUNCTION(sws_getCoefficients)
DNECK_AV_FUNCTION(sws_scale)

static inline int dneck_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int dneck_averror_eof(void) { return AVERROR_EOF; }
static inline int dneck_av_log_quiet(void) { return AV_LOG_QUIET; }
static inline int dneck_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int dneck_codec_flag_bitexact(void) { return AV_CODEC_FLAG_BITEXACT; }
static inline int dneck_fmt_flag_bitexact(void) { return AVFMT_FLAG_BITEXACT; }
static inline int dneck_avio_flag_write(void) { return AVIO_FLAG_WRITE; }
#endif
