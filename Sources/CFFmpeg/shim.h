#ifndef DNECK_CFFMPEG_SHIM_H
#define DNECK_CFFMPEG_SHIM_H
// FFmpeg's libraries, plus accessors for the macros Swift cannot import.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int dneck_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int dneck_averror_eof(void) { return AVERROR_EOF; }
static inline int64_t dneck_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int dneck_av_log_error(void) { return AV_LOG_ERROR; }
static inline int dneck_av_log_quiet(void) { return AV_LOG_QUIET; }
static inline AVRational dneck_av_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline int dneck_avfmt_globalheader(void) { return AVFMT_GLOBALHEADER; }
static inline int dneck_avfmt_nofile(void) { return AVFMT_NOFILE; }
static inline int dneck_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int dneck_codec_flag_bitexact(void) { return AV_CODEC_FLAG_BITEXACT; }
static inline int dneck_fmt_flag_bitexact(void) { return AVFMT_FLAG_BITEXACT; }
static inline int dneck_avio_flag_write(void) { return AVIO_FLAG_WRITE; }
#endif
