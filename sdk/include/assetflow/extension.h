/* assetflow SDK: extension ids, after CLAP's conventions/extension-id.md.
 *
 * A capability added after a struct is frozen is an *extension*: a struct of function pointers
 * looked up by a string id (af_host_api.get_extension, af_host_info.get_extension,
 * af_plugin_entry.get_extension), never a new field in an old struct. An id is
 *
 *     <namespace>.<name>/<rev>       "assetflow.thread-check/1", "com.acme.s3-credentials/2"
 *
 * - <namespace>: "assetflow" for the extensions this SDK defines; a third party uses a reverse
 *   domain it owns ("com.acme"). Segments are [a-z0-9-]+, separated by '.'.
 * - <name>: [a-z0-9-]+, the last segment before the '/'.
 * - <rev>: a decimal revision >= 1, without leading zeros. A compatible addition keeps the id
 *   (append to the struct, bump nothing); an incompatible change is a new revision, and a host
 *   or plugin may offer both ids for as long as it likes.
 * Lookups of an id that breaks the rule answer NULL. Drafts are named "<namespace>.draft.<name>"
 * and may change without a new revision. */
#ifndef ASSETFLOW_EXTENSION_H
#define ASSETFLOW_EXTENSION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "assetflow.<name>/<rev>": the id of an extension this SDK defines. */
#define AF_EXTENSION_ID(name, rev) "assetflow." name "/" #rev

/* 1 when `id` follows the rule above, else 0. Pure C, no allocation; header-only so the host,
 * the harness and plugins apply the same rule. [thread-safe] */
static inline int af_extension_id_is_valid(const char* id) {
  const char* p = id;
  size_t segments = 0, segment_length = 0;
  if (p == NULL) return 0;
  for (;; ++p) {
    const char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      ++segment_length;
    } else if (c == '.' || c == '/') {
      if (segment_length == 0) return 0;
      ++segments;
      segment_length = 0;
      if (c == '/') break;
    } else {
      return 0;
    }
  }
  if (segments < 2) return 0; /* a namespace and a name */
  ++p;                         /* the revision */
  if (*p < '1' || *p > '9') return 0;
  for (; *p; ++p)
    if (*p < '0' || *p > '9') return 0;
  return 1;
}

#ifdef __cplusplus
}
#endif

#endif
