// Read-only commands: plugins, check, list, graph. None of them touches the event log.
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/describe.h"
#include "cli/isolate.h"
#include "cli/probe.h"
#include "cli/table.h"
#include "graph/selection.h"
#include "layout/layout.h"

namespace af {

namespace {

// The selected assets in topological order; prints the error and returns false on a bad
// expression.
bool SelectInOrder(const Workspace& ws, const std::string& expression, std::vector<size_t>* out) {
  if (expression.empty() || expression == "*") {
    const AssetGraph::Indices order = ws.graph().TopologicalOrder();
    out->assign(order.begin(), order.end());
    return true;
  }
  auto selected = SelectAssets(ws.graph(), expression);
  if (!selected.ok()) {
    std::cerr << "error: --select: " << EscapeControlBytes(selected.status().message()) << "\n";
    return false;
  }
  *out = ws.graph().Plan(selected.value());
  return true;
}

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : sep) + p;
  return s;
}

}  // namespace

void AddPluginsCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand("plugins", "List the loaded plugins and their definitions");
  auto verbose = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("-v,--verbose", *verbose,
                "Every definition in full, as 'assetflow describe' shows it");
  cmd->add_flag("--json", *json, "With --verbose: print JSON");
  cmd->callback([options, exit_code, verbose, json] {
    auto registry = LoadPlugins(options->plugin_dirs, {});
    if (*verbose) {
      PrintDefinitions(DescribeAll(*registry), *json, std::cout);
      for (const auto& d : registry->errors()) std::cerr << d.ToString() << "\n";
      if (!registry->errors().empty()) *exit_code = kExitUsage;
      return;
    }
    Table table({"NAME", "VERSION", "ABI", "FILE", "DEFINITIONS"});
    for (const auto& p : registry->plugins()) {
      std::vector<std::string> defs;
      for (const auto& a : p.asset_definitions) defs.push_back(p.name + "/" + a + " (asset)");
      for (const auto& m : p.io_manager_definitions) defs.push_back(p.name + "/" + m + " (io)");
      table.Add({p.name, p.version,
                 std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor), p.path,
                 Join(defs, ", ")});
    }
    table.Print(std::cout);
    for (const auto& d : registry->errors()) std::cerr << d.ToString() << "\n";
    if (!registry->errors().empty()) *exit_code = kExitUsage;
  });
}

void AddCheckCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand("check", "Validate manifests and plugins (exit 2 on any error)");
  auto isolate = std::make_shared<bool>(false);
  auto probe_timeout = std::make_shared<double>(10.0);
  auto probe_storage = std::make_shared<bool>(false);
  cmd->add_flag("--isolate", *isolate,
                "Load each plugin file in its own process: name every plugin that crashes, "
                "exits or hangs while loading, and check the manifests with the others");
  cmd->add_option("--probe-timeout", *probe_timeout,
                  "With --isolate: seconds one plugin file may take to load (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--probe", *probe_storage,
                "Also check that each IO manager's storage (an S3 bucket) is reachable with "
                "its credentials");
  cmd->callback([options, exit_code, isolate, probe_timeout, probe_storage] {
    if (*isolate) {
      *exit_code = RunIsolatedCheck(
          *options, std::chrono::milliseconds(static_cast<int64_t>(*probe_timeout * 1000)));
      return;
    }
    auto ws = LoadWorkspace(*options, /*strict_plugins=*/true);
    if (!ws) {
      *exit_code = kExitUsage;
      return;
    }
    std::cout << CheckSummary(ws->definitions(), ws->plugins().plugins().size()) << "\n";
    if (*probe_storage) *exit_code = ProbeStorageOfWorkspace(*ws, *options);
  });
}

void AddListCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand("list", "List assets (in dependency order)");
  // CLI11 binds options by reference: the values live in the callback, as long as the app.
  auto select = std::make_shared<std::string>();
  auto keys_only = std::make_shared<bool>(false);
  cmd->add_option("-s,--select", *select, "Selection: 'a+', '*a', 'group:g and not tag:k', ...");
  cmd->add_flag("--keys", *keys_only, "Print only asset keys");
  cmd->callback([options, exit_code, select, keys_only] {
    auto ws = LoadWorkspace(*options);
    std::vector<size_t> order;
    if (!ws || !SelectInOrder(*ws, *select, &order)) {
      *exit_code = kExitUsage;
      return;
    }
    if (*keys_only) {
      std::string out;
      for (size_t i : order) out += ws->definitions().assets[i].key + "\n";
      std::cout << out;
      return;
    }
    Table table({"ASSET", "GROUP", "TYPE", "INPUTS"});
    for (size_t i : order) {
      const AssetDef& a = ws->definitions().assets[i];
      std::vector<std::string> inputs;
      for (const auto& in : a.inputs) inputs.push_back(in.name + "=" + in.asset_key);
      table.Add({a.key, a.group, a.type, Join(inputs, ", ")});
    }
    table.Print(std::cout);
  });
}

void AddGraphCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand("graph", "Print the asset graph as text, DOT, Mermaid or SVG");
  auto format = std::make_shared<std::string>("text");
  auto select = std::make_shared<std::string>();
  cmd->add_option("-f,--format", *format, "text, dot, mermaid or svg (the web UI's layout)")
      ->check(CLI::IsMember({"text", "dot", "mermaid", "svg"}));
  cmd->add_option("-s,--select", *select, "Only these assets (and edges between them)");
  cmd->callback([options, exit_code, format, select] {
    auto ws = LoadWorkspace(*options);
    std::vector<size_t> order;
    if (!ws || !SelectInOrder(*ws, *select, &order)) {
      *exit_code = kExitUsage;
      return;
    }
    if (*format == "svg") {
      if (!select->empty()) {
        std::cerr << "error: --format svg draws the whole graph, as the web UI does; drop --select\n";
        *exit_code = kExitUsage;
        return;
      }
      std::cout << RenderSvg(ComputeLayout(ws->graph(), DefaultLayoutOptions(ws->graph())));
      return;
    }
    const auto& assets = ws->definitions().assets;
    std::set<size_t> in_view(order.begin(), order.end());
    std::ostringstream out;
    if (*format == "dot") {
      out << "digraph assetflow {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
      for (size_t i : order)
        out << "  \"" << assets[i].key << "\" [label=\"" << assets[i].key << "\\n"
            << assets[i].type << "\", group=\"" << assets[i].group << "\"];\n";
      for (size_t i : order)
        for (size_t u : ws->graph().Upstream(i))
          if (in_view.count(u)) out << "  \"" << assets[u].key << "\" -> \"" << assets[i].key << "\";\n";
      out << "}\n";
    } else if (*format == "mermaid") {
      // Mermaid ids cannot contain '/', so nodes get index ids and the key as label.
      out << "graph LR\n";
      for (size_t i : order) out << "  n" << i << "[\"" << assets[i].key << "\"]\n";
      for (size_t i : order)
        for (size_t u : ws->graph().Upstream(i))
          if (in_view.count(u)) out << "  n" << u << " --> n" << i << "\n";
    } else {
      for (size_t i : order) {
        out << assets[i].key << "  [" << assets[i].type << ", group " << assets[i].group << "]\n";
        for (size_t u : ws->graph().Upstream(i))
          if (in_view.count(u)) out << "  <- " << assets[u].key << "\n";
      }
    }
    std::cout << out.str();
  });
}

}  // namespace af
