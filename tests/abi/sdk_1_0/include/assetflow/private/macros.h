/* assetflow SDK: portability macros. Pure C; safe to include from C11 and C++. */
#ifndef ASSETFLOW_PRIVATE_MACROS_H
#define ASSETFLOW_PRIVATE_MACROS_H

#if defined(_WIN32)
#  define AF_EXPORT __declspec(dllexport)
#  define AF_ABI __cdecl
#elif defined(__GNUC__) || defined(__clang__)
#  define AF_EXPORT __attribute__((visibility("default")))
#  define AF_ABI
#else
#  define AF_EXPORT
#  define AF_ABI
#endif

#ifdef __cplusplus
#  define AF_EXTERN_C_BEGIN extern "C" {
#  define AF_EXTERN_C_END }
#else
#  define AF_EXTERN_C_BEGIN
#  define AF_EXTERN_C_END
#endif

#endif
