// The SDK headers' own rules (sdk/include/assetflow/private/macros.h): every function pointer is
// declared `(AF_ABI *name)`, and every function carries exactly one thread tag of the three,
// [main-thread], [thread-safe], [call-thread]; no other spelling of a thread tag appears.
#include <assetflow/extension.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTags = {"[main-thread]", "[thread-safe]", "[call-thread]"};

std::vector<fs::path> CHeaders() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(AF_SDK_INCLUDE_DIR))
    if (e.path().extension() == ".h") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The text that documents the declaration at [begin, end): from the end of the previous
// declaration (';', '{' or '}') to the end of the line the declaration ends on.
std::string DocRegion(const std::string& text, size_t begin, size_t end) {
  size_t start = text.find_last_of(";{}", begin == 0 ? 0 : begin - 1);
  start = start == std::string::npos ? 0 : start + 1;
  size_t stop = text.find('\n', end);
  return text.substr(start, (stop == std::string::npos ? text.size() : stop) - start);
}

bool InComment(const std::string& text, size_t pos) {
  const size_t open = text.rfind("/*", pos);
  const size_t close = text.rfind("*/", pos);
  return open != std::string::npos && (close == std::string::npos || close < open);
}

std::set<std::string> TagsIn(const std::string& region) {
  std::set<std::string> found;
  for (const std::string& t : kTags)
    if (region.find(t) != std::string::npos) found.insert(t);
  return found;
}

}  // namespace

TEST_CASE("every SDK function pointer is AF_ABI and carries exactly one thread tag") {
  const std::regex pointer(R"(\(\s*(AF_ABI\s+)?\*\s*(\w+)\s*\)\s*\()");
  const std::regex inline_fn(R"(static inline [^;{(]*\b(\w+)\s*\([^)]*\)\s*\{)");
  size_t pointers = 0, functions = 0;
  for (const fs::path& header : CHeaders()) {
    const std::string text = Read(header);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pointer);
         it != std::sregex_iterator(); ++it) {
      const std::smatch& m = *it;
      if (InComment(text, static_cast<size_t>(m.position(0)))) continue;
      const std::string name = header.filename().string() + ": " + m[2].str();
      CAPTURE(name);
      ++pointers;
      CHECK(m[1].matched);  // AF_ABI
      const size_t begin = static_cast<size_t>(m.position(0));
      const size_t end = text.find(';', begin);
      REQUIRE(end != std::string::npos);
      CHECK(TagsIn(DocRegion(text, begin, end)).size() == 1);
    }
    for (auto it = std::sregex_iterator(text.begin(), text.end(), inline_fn);
         it != std::sregex_iterator(); ++it) {
      if (InComment(text, static_cast<size_t>(it->position(0)))) continue;
      const std::string name = header.filename().string() + ": " + (*it)[1].str();
      CAPTURE(name);
      ++functions;
      const size_t begin = static_cast<size_t>(it->position(0));
      CHECK(TagsIn(DocRegion(text, begin, begin)).size() == 1);
    }
  }
  // The count is the whole ABI: a pointer the regex misses would go unchecked.
  CHECK(pointers == 43);
  CHECK(functions == 1);
}

TEST_CASE("the SDK headers spell thread tags only one way") {
  const std::regex any_tag(R"(\[[^\]\n]*thread[^\]\n]*\])");
  for (const fs::path& header : CHeaders()) {
    const std::string text = Read(header);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), any_tag);
         it != std::sregex_iterator(); ++it) {
      const std::string tag = it->str();
      CAPTURE(header.filename().string());
      CAPTURE(tag);
      CHECK(std::find(kTags.begin(), kTags.end(), tag) != kTags.end());
    }
  }
}

TEST_CASE("extension ids follow <namespace>.<name>/<rev>") {
  for (const char* ok : {AF_EXTENSION_ID("thread-check", 1), "assetflow.thread-check/12",
                         "com.acme.s3-credentials/2", "org.example.draft.thing/1"}) {
    CAPTURE(ok);
    CHECK(af_extension_id_is_valid(ok) == 1);
  }
  for (const char* bad : {"", "assetflow", "assetflow/1", "thread-check/1", "assetflow.x/0",
                          "assetflow.x/01", "assetflow.x/", "assetflow.x/1a", "Assetflow.x/1",
                          "assetflow..x/1", ".x/1", "assetflow.x_y/1", "assetflow.x/1/2"}) {
    CAPTURE(bad);
    CHECK(af_extension_id_is_valid(bad) == 0);
  }
  CHECK(af_extension_id_is_valid(nullptr) == 0);
  CHECK(std::string(AF_EXTENSION_ID("thread-check", 1)) == "assetflow.thread-check/1");
}
