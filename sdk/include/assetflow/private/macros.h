/* assetflow SDK: portability macros and the thread vocabulary. Pure C; safe to include from
 * C11 and C++.
 *
 * Every function pointer in the SDK is declared `(AF_ABI *name)(...)`: one calling convention
 * whatever the plugin's compiler defaults to. Every function carries exactly one thread tag in
 * its comment, from this vocabulary and no other:
 *
 *   [main-thread]  only the host's loading thread calls it (plugin entry, init, deinit), one
 *                  call at a time;
 *   [thread-safe]  any thread may call it, several at once (different assets materialize on
 *                  different worker threads at the same time);
 *   [call-thread]  only the thread that received the context or stream, and only while the
 *                  call that handed it over lasts.
 *
 * tests/abi/header_lint_test.cc checks both rules on every header. */
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
