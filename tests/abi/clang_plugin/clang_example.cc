// The "clang_example" plugin: built by tests/abi with clang++ and libc++ (not the host's g++
// and libstdc++), so loading it proves nothing C++ crosses the boundary. It uses std::string,
// std::vector and exceptions freely inside; the SDK's noexcept trampolines turn the exception
// thrown for an empty input into AF_ERR_RETRYABLE plus its message.
#include <assetflow/cpp/plugin.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <new>
#include <typeinfo>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

// The Itanium C++ ABI entry points (libc++abi here), declared as <cxxabi.h> would.
extern "C" void __cxa_throw(void*, std::type_info*, void (*)(void*));
extern "C" void* __cxa_allocate_exception(std::size_t) noexcept;

#if !defined(_LIBCPP_VERSION)
#error "clang_example must be built with -stdlib=libc++"
#endif

namespace {

// Input "text", split on whitespace, written back with the words in reverse order.
void reverse_words(assetflow::Context& ctx) {
  const std::string text = ctx.read_input("text");
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) throw std::runtime_error("reverse_words: input 'text' has no words");
  std::reverse(words.begin(), words.end());
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  ctx.write(out);
  ctx.metadata_int("words", static_cast<int64_t>(words.size()));
}

// The file that defines the code at `address` (dladdr), as the dynamic linker bound it.
std::string defined_in(const void* address) {
  Dl_info info{};
  if (::dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "?";
  return info.dli_fname;
}

struct PluginOwnError : std::exception {
  const char* what() const noexcept override { return "plugin-own"; }
};

// Which C++ runtime this plugin's code uses, as metadata: where operator new and delete and
// the exception machinery (__cxa_allocate_exception, __cxa_throw) come from, and whether an
// exception of the plugin's own type, thrown and caught here, kept its type.
void runtime(assetflow::Context& ctx) {
  using New = void* (*)(std::size_t);
  using Delete = void (*)(void*) noexcept;
  const New op_new = &::operator new;
  const Delete op_delete = &::operator delete;
  ctx.metadata_text("operator_new", defined_in(reinterpret_cast<const void*>(op_new)));
  ctx.metadata_text("operator_delete", defined_in(reinterpret_cast<const void*>(op_delete)));
  ctx.metadata_text("cxa_throw", defined_in(reinterpret_cast<const void*>(&__cxa_throw)));
  ctx.metadata_text("cxa_allocate_exception",
                    defined_in(reinterpret_cast<const void*>(&__cxa_allocate_exception)));
  std::string caught = "nothing";
  try {
    throw PluginOwnError();
  } catch (const PluginOwnError& e) {
    caught = std::string(e.what()) + " as " + (typeid(e) == typeid(PluginOwnError) ? "its type" : "?");
  } catch (...) {
    caught = "lost its type";
  }
  ctx.metadata_text("exception", caught);
  auto* block = new std::string(1000, 'x');  // allocated and freed by the same runtime
  ctx.write(std::to_string(block->size()));
  delete block;
}

}  // namespace

ASSETFLOW_ASSET(runtime).describe("Reports which C++ runtime its code is bound to");
ASSETFLOW_ASSET(reverse_words).describe("Reverses the order of the words of input 'text'");
ASSETFLOW_PLUGIN("clang_example", "1.0.0", "Built with clang++ and libc++ to prove the C ABI")
