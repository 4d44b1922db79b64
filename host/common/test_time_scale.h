// Test-only: how many times slower than a plain build this build runs. A test that bounds a
// duration (to catch a transaction per event or a quadratic loop; bench/ is where speed is
// measured) multiplies its bound by kTimeScale, so that test.sh's sanitizer builds
// (build-asan/, build-tsan/) keep the check without failing on the sanitizer's own slowdown.
#ifndef ASSETFLOW_HOST_COMMON_TEST_TIME_SCALE_H_
#define ASSETFLOW_HOST_COMMON_TEST_TIME_SCALE_H_

namespace af::testing {

#if defined(__has_feature)
#define AF_HAS_FEATURE(x) __has_feature(x)
#else
#define AF_HAS_FEATURE(x) 0
#endif

// TSan: 5-15x by its documentation (the event log's 50,000 appends took 12.6 s against 4 s
// under a loaded machine); ASan: about 2x by its documentation, with room for load.
#if defined(__SANITIZE_THREAD__) || AF_HAS_FEATURE(thread_sanitizer)
inline constexpr int kTimeScale = 10;
#elif defined(__SANITIZE_ADDRESS__) || AF_HAS_FEATURE(address_sanitizer)
inline constexpr int kTimeScale = 3;
#else
inline constexpr int kTimeScale = 1;
#endif

#undef AF_HAS_FEATURE

}  // namespace af::testing

#endif
