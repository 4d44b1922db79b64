// Definitions as `assetflow describe` shows them, for `assetflow plugins --verbose` too.
#ifndef ASSETFLOW_HOST_CLI_DESCRIBE_H_
#define ASSETFLOW_HOST_CLI_DESCRIBE_H_

#include <ostream>
#include <vector>

#include "plugin/definition_description.h"

namespace af {

// As text (one block per definition) or as one JSON array.
void PrintDefinitions(const std::vector<DefinitionDescription>& all, bool json, std::ostream& out);

}  // namespace af

#endif
