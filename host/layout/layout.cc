#include "layout/layout.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <unordered_map>

namespace af {
namespace {

// FNV-1a, 64 bits: the hash only has to tell graphs apart, not resist an adversary.
class Fnv {
 public:
  void Add(const std::string& s) {
    for (unsigned char c : s) Byte(c);
    Byte(0xff);  // separator, so ("ab","c") != ("a","bc")
  }
  void Add(uint64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  void Add(double v) { Add(static_cast<uint64_t>(v * 1000)); }
  std::string Hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  void Byte(unsigned char c) {
    h_ ^= c;
    h_ *= 1099511628211ull;
  }
  uint64_t h_ = 14695981039346656037ull;
};

// The graph to lay out: nodes (assets or collapsed groups) and merged edges.
struct Condensed {
  std::vector<LayoutNode> nodes;
  std::vector<size_t> node_of_asset;
  std::vector<std::vector<size_t>> out, in;
  std::vector<LayoutEdge> edges;
};

Condensed Condense(const AssetGraph& graph, const LayoutOptions& options) {
  const auto& assets = graph.definitions().assets;
  Condensed c;
  c.node_of_asset.assign(assets.size(), 0);
  std::map<std::string, size_t> group_node;
  for (size_t i = 0; i < assets.size(); ++i) {
    const std::string& group = assets[i].group;
    if (options.collapsed_groups.count(group)) {
      auto [it, inserted] = group_node.emplace(group, c.nodes.size());
      if (inserted) {
        LayoutNode n;
        n.id = "group:" + group;
        n.label = group;
        n.is_group = true;
        n.group = group;
        c.nodes.push_back(std::move(n));
      }
      c.nodes[it->second].assets.push_back(i);
      c.node_of_asset[i] = it->second;
      continue;
    }
    LayoutNode n;
    n.id = assets[i].key;
    n.label = assets[i].key;
    n.group = group;
    n.assets = {i};
    c.node_of_asset[i] = c.nodes.size();
    c.nodes.push_back(std::move(n));
  }
  c.out.resize(c.nodes.size());
  c.in.resize(c.nodes.size());
  std::vector<uint64_t> pairs;
  for (size_t v = 0; v < assets.size(); ++v) {
    for (size_t u : graph.Upstream(v)) {
      const size_t a = c.node_of_asset[u], b = c.node_of_asset[v];
      if (a != b) pairs.push_back(static_cast<uint64_t>(a) << 32 | b);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  for (uint64_t p : pairs) {
    const size_t a = p >> 32, b = p & 0xffffffffu;
    c.edges.push_back({a, b});
    c.out[a].push_back(b);
    c.in[b].push_back(a);
  }
  return c;
}

// Edges that close a cycle (found by an iterative depth-first search), to be ignored for
// layering. Only a collapsed view can have any.
std::vector<std::vector<size_t>> AcyclicOut(const Condensed& c) {
  const size_t n = c.nodes.size();
  std::vector<std::vector<size_t>> out(n);
  std::vector<char> state(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<std::pair<size_t, size_t>> stack;
  for (size_t root = 0; root < n; ++root) {
    if (state[root]) continue;
    stack.push_back({root, 0});
    state[root] = 1;
    while (!stack.empty()) {
      auto& [v, next] = stack.back();
      if (next < c.out[v].size()) {
        const size_t w = c.out[v][next++];
        if (state[w] == 1) continue;  // back edge: dropped
        out[v].push_back(w);
        if (state[w] == 0) {
          state[w] = 1;
          stack.push_back({w, 0});
        }
      } else {
        state[v] = 2;
        stack.pop_back();
      }
    }
  }
  return out;
}

}  // namespace

LayoutOptions DefaultLayoutOptions(const AssetGraph& graph) {
  LayoutOptions options;
  std::set<std::string> groups;
  for (const AssetDef& a : graph.definitions().assets) groups.insert(a.group);
  if (groups.size() > 1) options.collapsed_groups = groups;
  return options;
}

std::string LayoutHash(const AssetGraph& graph, const LayoutOptions& options) {
  Fnv h;
  const auto& assets = graph.definitions().assets;
  h.Add(static_cast<uint64_t>(assets.size()));
  for (size_t i = 0; i < assets.size(); ++i) {
    h.Add(assets[i].key);
    h.Add(assets[i].group);
    for (size_t u : graph.Upstream(i)) h.Add(static_cast<uint64_t>(u));
    h.Add(~uint64_t{0});
  }
  for (const std::string& g : options.collapsed_groups) h.Add("c:" + g);
  h.Add(options.node_width);
  h.Add(options.node_height);
  h.Add(options.layer_gap);
  h.Add(options.node_gap);
  h.Add(static_cast<uint64_t>(options.sweeps));
  return h.Hex();
}

Layout ComputeLayout(const AssetGraph& graph, const LayoutOptions& options) {
  Condensed c = Condense(graph, options);
  const size_t n = c.nodes.size();
  const auto out = AcyclicOut(c);
  std::vector<std::vector<size_t>> in(n);
  for (size_t v = 0; v < n; ++v)
    for (size_t w : out[v]) in[w].push_back(v);

  // Longest-path layering in Kahn order.
  std::vector<int> layer(n, 0);
  std::vector<size_t> indegree(n), queue;
  for (size_t v = 0; v < n; ++v) {
    indegree[v] = in[v].size();
    if (!indegree[v]) queue.push_back(v);
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    const size_t v = queue[head];
    for (size_t w : out[v]) {
      layer[w] = std::max(layer[w], layer[v] + 1);
      if (--indegree[w] == 0) queue.push_back(w);
    }
  }
  int layers = 0;
  for (int l : layer) layers = std::max(layers, l + 1);
  std::vector<std::vector<size_t>> order(layers);
  for (size_t v : queue) order[layer[v]].push_back(v);  // first-seen order: a stable start

  // Barycenter sweeps on centred ranks (so layers of different sizes line up at the middle).
  std::vector<double> rank(n, 0);
  auto set_ranks = [&](int l) {
    const double mid = (static_cast<double>(order[l].size()) - 1) / 2;
    for (size_t i = 0; i < order[l].size(); ++i) rank[order[l][i]] = static_cast<double>(i) - mid;
  };
  for (int l = 0; l < layers; ++l) set_ranks(l);
  std::vector<double> key(n);
  auto sweep_layer = [&](int l, const std::vector<std::vector<size_t>>& neighbours) {
    for (size_t v : order[l]) {
      const auto& nb = neighbours[v];
      if (nb.empty()) {
        key[v] = rank[v];
        continue;
      }
      double sum = 0;
      for (size_t u : nb) sum += rank[u];
      key[v] = sum / static_cast<double>(nb.size());
    }
    std::stable_sort(order[l].begin(), order[l].end(),
                     [&](size_t a, size_t b) { return key[a] < key[b]; });
    set_ranks(l);
  };
  for (int s = 0; s < options.sweeps; ++s) {
    for (int l = 1; l < layers; ++l) sweep_layer(l, in);
    for (int l = layers - 2; l >= 0; --l) sweep_layer(l, out);
  }

  // Packing: each node at its parents' mean height, pushed down to clear the one above, then
  // the whole layer shifted back by the mean displacement.
  const double pitch = options.node_height + options.node_gap;
  std::vector<double> y(n, 0);
  for (int l = 0; l < layers; ++l) {
    const auto& ord = order[l];
    std::vector<double> want(ord.size());
    for (size_t i = 0; i < ord.size(); ++i) {
      const auto& parents = in[ord[i]];
      if (l == 0 || parents.empty()) {
        want[i] = rank[ord[i]] * pitch;
        continue;
      }
      double sum = 0;
      for (size_t u : parents) sum += y[u];
      want[i] = sum / static_cast<double>(parents.size());
    }
    double shift = 0;
    for (size_t i = 0; i < ord.size(); ++i) {
      y[ord[i]] = i == 0 ? want[i] : std::max(want[i], y[ord[i - 1]] + pitch);
      shift += y[ord[i]] - want[i];
    }
    if (!ord.empty()) shift /= static_cast<double>(ord.size());
    for (size_t v : ord) y[v] -= shift;
  }

  Layout layout;
  layout.hash = LayoutHash(graph, options);
  double min_y = 0, max_y = 0;
  for (size_t v = 0; v < n; ++v) {
    min_y = v == 0 ? y[v] : std::min(min_y, y[v]);
    max_y = v == 0 ? y[v] : std::max(max_y, y[v]);
  }
  for (size_t v = 0; v < n; ++v) {
    LayoutNode& node = c.nodes[v];
    node.layer = layer[v];
    node.width = options.node_width;
    node.height = options.node_height;
    node.x = layer[v] * (options.node_width + options.layer_gap);
    node.y = y[v] - min_y;
  }
  layout.width = n ? layers * (options.node_width + options.layer_gap) - options.layer_gap : 0;
  layout.height = n ? max_y - min_y + options.node_height : 0;
  layout.nodes = std::move(c.nodes);
  layout.edges = std::move(c.edges);
  layout.node_of_asset = std::move(c.node_of_asset);
  return layout;
}

namespace {
std::string XmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}
}  // namespace

std::string RenderSvg(const Layout& layout) {
  const double margin = 20;
  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(layout.width + 2 * margin) +
         "\" height=\"" + Num(layout.height + 2 * margin) + "\" viewBox=\"" + Num(-margin) + " " +
         Num(-margin) + " " + Num(layout.width + 2 * margin) + " " +
         Num(layout.height + 2 * margin) + "\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"13\">\n";
  svg += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
         "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#7a8594\"/></marker></defs>\n";
  svg += "<g stroke=\"#7a8594\" stroke-width=\"1.2\" fill=\"none\">\n";
  for (const LayoutEdge& e : layout.edges) {
    const LayoutNode& a = layout.nodes[e.from];
    const LayoutNode& b = layout.nodes[e.to];
    svg += "<line x1=\"" + Num(a.x + a.width) + "\" y1=\"" + Num(a.y + a.height / 2) + "\" x2=\"" +
           Num(b.x) + "\" y2=\"" + Num(b.y + b.height / 2) + "\" marker-end=\"url(#arrow)\"/>\n";
  }
  svg += "</g>\n";
  for (const LayoutNode& node : layout.nodes) {
    const std::string label =
        node.is_group ? node.label + " (" + std::to_string(node.assets.size()) + " assets)" : node.label;
    svg += "<g><title>" + XmlEscape(node.id) + "</title><rect x=\"" + Num(node.x) + "\" y=\"" +
           Num(node.y) + "\" width=\"" + Num(node.width) + "\" height=\"" + Num(node.height) +
           "\" rx=\"6\" fill=\"" + (node.is_group ? "#eef1f6" : "#ffffff") +
           "\" stroke=\"#4a5568\"" + (node.is_group ? " stroke-dasharray=\"4 2\"" : "") +
           "/><text x=\"" + Num(node.x + 10) + "\" y=\"" + Num(node.y + node.height / 2 + 4.5) +
           "\" fill=\"#1a202c\">" + XmlEscape(label) + "</text></g>\n";
  }
  svg += "</svg>\n";
  return svg;
}

std::shared_ptr<const Layout> LayoutCache::Get(const AssetGraph& graph,
                                               const LayoutOptions& options) {
  const std::string hash = LayoutHash(graph, options);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != hash) continue;
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().second;
    }
  }
  // Computed outside the lock: two clients asking at once may both compute (same result).
  auto layout = std::make_shared<const Layout>(ComputeLayout(graph, options));
  std::lock_guard<std::mutex> lock(mu_);
  entries_.emplace_front(hash, layout);
  if (entries_.size() > capacity_) entries_.pop_back();
  return layout;
}

}  // namespace af
