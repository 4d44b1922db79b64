// The templates of `assetflow new plugin`, embedded in the binary at build time from
// host/cli/templates/ (embed_templates.cmake). Paths are relative to that folder: "common/..."
// goes into every project, "c/..." and "cpp/..." into projects of that language. "@NAME@" in a
// path or a text is the plugin's name.
#ifndef ASSETFLOW_HOST_CLI_SCAFFOLD_TEMPLATES_H_
#define ASSETFLOW_HOST_CLI_SCAFFOLD_TEMPLATES_H_

#include <string_view>
#include <vector>

namespace af {

struct TemplateFile {
  std::string_view path;
  std::string_view text;
};

const std::vector<TemplateFile>& ScaffoldTemplates();

}  // namespace af

#endif
