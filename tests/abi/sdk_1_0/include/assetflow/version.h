/* assetflow SDK: ABI version.
 *
 * The major changes only when a struct or function changes incompatibly; the host refuses a
 * plugin of another major. The minor grows when something is appended (a struct field, a host
 * service); a plugin records the minor it was built against and the host refuses a plugin that
 * needs a newer minor than its own. */
#ifndef ASSETFLOW_VERSION_H
#define ASSETFLOW_VERSION_H

#define AF_ABI_MAJOR 1
#define AF_ABI_MINOR 0

/* "AFPL" read as a little-endian uint32: the first field of every plugin entry. */
#define AF_PLUGIN_MAGIC 0x4C504641u

#define AF_STRINGIFY_(x) #x
#define AF_STRINGIFY(x) AF_STRINGIFY_(x)

/* The compiler and standard library a plugin was built with; informational only. */
#if defined(__clang__)
#  define AF_COMPILER_ID "clang " __clang_version__
#elif defined(__GNUC__)
#  define AF_COMPILER_ID "gcc " __VERSION__
#elif defined(_MSC_VER)
#  define AF_COMPILER_ID "msvc " AF_STRINGIFY(_MSC_VER)
#else
#  define AF_COMPILER_ID "unknown compiler"
#endif

#endif
