// What the registry reads from a plugin's descriptors beyond the 1.0 fields, and the rules
// their contents must follow: names, declared inputs (ABI 1.1), config schemas, flags. Internal
// to the plugin module (plugin_registry.cc, definition_description.cc); every function reads
// only the fields that the struct's struct_size covers.
#ifndef ASSETFLOW_HOST_PLUGIN_DESCRIPTOR_FIELDS_H_
#define ASSETFLOW_HOST_PLUGIN_DESCRIPTOR_FIELDS_H_

#include <assetflow/assetflow.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "manifest/definitions.h"

namespace af {

// Bytes a struct must have for `field` to be readable: the C offsetof-based size check of
// OBS's CHECK_REQUIRED_VAL, so a struct built against an older minor is never over-read.
#define AF_END_OF(type, field) (offsetof(type, field) + sizeof(static_cast<type*>(nullptr)->field))

// "" for NULL.
std::string OrEmpty(const char* s);

// A plugin, definition or input name: [A-Za-z0-9_-]+.
bool IsValidName(const char* name);
// "invalid <what> name 'x' (allowed: ...)", or "<what> name is NULL".
std::string NameError(const char* what, const char* name);

// The declared inputs of an asset definition (ABI 1.1), sorted by name, or nullopt when it
// declares none.
std::optional<std::vector<DeclaredInput>> DeclaredInputsOf(const af_asset_descriptor* d);
// Why an asset definition's declared inputs are unusable, or "".
std::string CheckDeclaredInputs(const af_asset_descriptor* d);
// An IO manager declared AF_IO_MANAGER_WRITE_ONLY.
bool IsWriteOnly(const af_io_manager_descriptor* d);
// Why a definition's config schema would be refused when a manifest uses it, or "": checked
// at load so the plugin file and definition are named, not a manifest line.
std::string CheckConfigSchema(const char* schema_text);

}  // namespace af

#endif
