#include "server/web_server.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "clock/clock.h"
#include "engine/host_context.h"
#include "engine/io_managers.h"
#include "engine/recovery.h"
#include "layout/layout.h"
#include "server/api_json.h"
#include "server/http_server.h"
#include "server/run_launcher.h"
#include "server/security.h"
#include "server/ui_files.h"
#include "staleness/staleness.h"

namespace af {

namespace {

constexpr size_t kMaxArtifactBytes = 64u << 20;
constexpr int kStreamPollMs = 250;  // other processes' events are seen by polling the log
constexpr size_t kEventPage = 500;

// A loaded workspace and the IO managers of its assets (for artifacts); replaced whole on
// reload, kept alive by the requests and runs that use it.
struct Loaded {
  std::shared_ptr<Workspace> ws;
  std::unique_ptr<IoManagerSet> io;  // null when some IO manager is missing
};

void Json(HttpResponse& res, int status, std::string body) {
  res.status = status;
  res.content_type = kJsonType;
  res.body = std::move(body);
  res.headers.push_back({"Cache-Control", "no-store"});
}

int64_t ParseInt(const std::string& s, int64_t fallback) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return fallback;
  }
  return std::stoll(s);
}

// The value `io` stores for `asset_key`, read through the IO manager (never by a path).
Status ReadStored(const IoManagerRef& io, const std::string& asset_key, const std::string& home,
                  std::string* out) {
  static const std::string kNoRun;
  HostCall call(asset_key, kNoRun, 1, home, io.config, nullptr, nullptr);
  af_istream reader{};
  const af_status s = io.desc->open_reader(io.desc, call.context(), &reader);
  if (s != AF_OK) return Status::NotFound("the stored value cannot be read");
  Status result;
  char buf[64 * 1024];
  for (;;) {
    const int64_t n = reader.read(&reader, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      result = Status::IoError("reading the stored value failed");
      break;
    }
    if (out->size() + static_cast<size_t>(n) > kMaxArtifactBytes) {
      result = Status::Failed("the stored value is larger than 64 MiB");
      break;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  io.desc->close_reader(io.desc, call.context(), &reader);
  return result;
}

// What a browser may render an artifact as: PNG/JPEG/GIF images by their magic, UTF-8 text
// as plain text, anything else as a download. Never HTML or SVG (they could run script).
std::string SniffMime(const std::string& data) {
  if (data.rfind("\x89PNG\r\n\x1a\n", 0) == 0) return "image/png";
  if (data.rfind("\xff\xd8\xff", 0) == 0) return "image/jpeg";
  if (data.rfind("GIF8", 0) == 0) return "image/gif";
  if (data.find('\0') == std::string::npos) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

struct WebServer::State {
  ServeOptions options;
  SecurityPolicy policy;
  std::unique_ptr<EventLog> log;
  std::mutex loaded_mu;
  std::shared_ptr<Loaded> loaded;
  LayoutCache layouts;
  HttpServer http;
  std::unique_ptr<RunLauncher> runs;
  int port = 0;
  struct AssetsCache {
    std::mutex mu;
    std::shared_ptr<Loaded> loaded;
    int64_t cursor = -1;
    std::chrono::steady_clock::time_point at;
    std::string json;
  } assets_cache;  // the last /api/assets answer

  explicit State(double heartbeat_s) : http(heartbeat_s) {}

  std::shared_ptr<Loaded> Current() {
    std::lock_guard<std::mutex> lock(loaded_mu);
    return loaded;
  }

  static Expected<std::shared_ptr<Loaded>> Load(const WorkspaceOptions& options,
                                                Diagnostics* diagnostics) {
    auto ws = Workspace::Open(options, diagnostics);
    if (!ws.ok()) return ws.status();
    auto loaded = std::make_shared<Loaded>();
    loaded->ws = std::shared_ptr<Workspace>(std::move(*ws));
    auto io = IoManagerSet::Resolve(loaded->ws->definitions(), loaded->ws->plugins());
    if (io.ok()) loaded->io = std::move(*io);
    return loaded;
  }

  void AddRoutes();
  void Materialize(const HttpRequest& req, HttpResponse& res);
  void Artifact(const HttpRequest& req, HttpResponse& res);
  void StreamEvents(const std::string& run_id, int64_t after, EventStreamWriter& out);
};

void WebServer::State::AddRoutes() {
  HttpServer& h = http;
  h.Route("GET", "/api/health", [](const HttpRequest&, HttpResponse& res) {
    Json(res, 200, std::string(R"({"ok":true,"ui":")") + (UiIsFull() ? "full" : "plain") + "\"}");
  });
  h.Route("GET", "/api/assets", [this](const HttpRequest&, HttpResponse& res) {
    auto cur = Current();
    const int64_t cursor = log->LastEventId();  // before the statuses: never misses one
    {
      // Nothing new in the log since the last answer (and it is recent: a wipe appends no
      // event): the same document, without recomputing 10,000 statuses per client poll.
      std::lock_guard<std::mutex> lock(assets_cache.mu);
      if (assets_cache.loaded == cur && assets_cache.cursor == cursor &&
          std::chrono::steady_clock::now() - assets_cache.at < std::chrono::seconds(2)) {
        return Json(res, 200, assets_cache.json);
      }
    }
    const auto statuses = ComputeAllStatuses(cur->ws->graph(), *log);
    std::string json = AssetsJson(*cur->ws, statuses, AssetsInProgress(*log), cursor,
                                  FreshnessJsonByAsset(cur->ws->graph(), *log, SystemClock().NowMs()));
    {
      std::lock_guard<std::mutex> lock(assets_cache.mu);
      assets_cache.loaded = cur;
      assets_cache.cursor = cursor;
      assets_cache.at = std::chrono::steady_clock::now();
      assets_cache.json = json;
    }
    Json(res, 200, std::move(json));
  });
  h.Route("GET", "/api/assets/(.+)", [this](const HttpRequest& req, HttpResponse& res) {
    auto cur = Current();
    const std::optional<size_t> asset = cur->ws->definitions().IndexOf(req.matches[1]);
    if (!asset) return Json(res, 404, ErrorJson("unknown asset '" + req.matches[1] + "'"));
    const AssetStatus status = ComputeStatus(cur->ws->graph(), *asset, *log);
    const auto history = log->AssetEvents(
        req.matches[1], {"STEP_SUCCESS", "STEP_FAILED", "STEP_RETRY", "STEP_SKIPPED", "OBSERVATION"},
        50);
    const bool loadable = cur->io && CanLoad(cur->io->ForKey(req.matches[1]), req.matches[1],
                                             cur->ws->home());
    const af_asset_descriptor* desc = cur->ws->plugins().FindAsset(cur->ws->definitions().assets[*asset].type);
    const std::string media = desc && desc->output_media_type ? desc->output_media_type : "";
    Json(res, 200, AssetDetailJson(*cur->ws, *asset, status, AssetsInProgress(*log), history,
                                   loadable, media,
                                   FreshnessJsonByAsset(cur->ws->graph(), *log, SystemClock().NowMs())));
  });
  h.Route("GET", "/api/graph", [this](const HttpRequest& req, HttpResponse& res) {
    auto cur = Current();
    LayoutOptions options = DefaultLayoutOptions(cur->ws->graph());
    const std::string expand = req.Param("expand");
    if (expand == "*") {
      options.collapsed_groups.clear();
    } else {
      for (size_t pos = 0; pos < expand.size();) {
        size_t comma = expand.find(',', pos);
        if (comma == std::string::npos) comma = expand.size();
        options.collapsed_groups.erase(expand.substr(pos, comma - pos));
        pos = comma + 1;
      }
    }
    auto layout = layouts.Get(cur->ws->graph(), options);
    const std::string etag = "\"" + layout->hash + "\"";
    res.headers.push_back({"ETag", etag});
    if (req.Header("if-none-match") == etag) {
      res.status = 304;
      return;
    }
    res.content_type = kJsonType;
    res.body = LayoutJson(*layout, *cur->ws);
    res.headers.push_back({"Cache-Control", "no-cache"});
  });
  h.Route("GET", "/api/runs", [this](const HttpRequest& req, HttpResponse& res) {
    const int64_t limit = std::clamp<int64_t>(ParseInt(req.Param("limit"), 50), 1, 1000);
    Json(res, 200, RunsJson(log->RecentRuns(static_cast<int>(limit))));
  });
  h.Route("GET", "/api/runs/([0-9a-f-]+)", [this](const HttpRequest& req, HttpResponse& res) {
    auto run = log->FindRun(req.matches[1]);
    if (!run) return Json(res, 404, ErrorJson("unknown run " + req.matches[1]));
    Json(res, 200, RunDetailJson(*run, log->RunEvents(run->run_id)));
  });
  h.Route("GET", "/api/runs/([0-9a-f-]+)/events", [this](const HttpRequest& req, HttpResponse& res) {
    auto run = log->FindRun(req.matches[1]);
    if (!run) return Json(res, 404, ErrorJson("unknown run " + req.matches[1]));
    const int64_t after = ParseInt(req.Param("after"), 0);
    const int64_t limit = std::clamp<int64_t>(ParseInt(req.Param("limit"), 500), 1, 5000);
    const auto events = log->EventsAfter(run->run_id, after, static_cast<size_t>(limit));
    const int64_t next = events.empty() ? after : events.back().id;
    const bool ended = run->status != RunStatus::kStarted &&
                       events.size() < static_cast<size_t>(limit);
    Json(res, 200, EventsJson(events, next, ended));
  });
  auto stream_route = [this](const HttpRequest& req, HttpResponse& res, const std::string& run_id) {
    int64_t after = ParseInt(req.Header("last-event-id"), -1);
    if (after < 0) after = ParseInt(req.Param("after"), 0);
    res.stream = [this, run_id, after](EventStreamWriter& out) { StreamEvents(run_id, after, out); };
  };
  h.Route("GET", "/api/runs/([0-9a-f-]+)/stream", [this, stream_route](const HttpRequest& req, HttpResponse& res) {
    if (!log->FindRun(req.matches[1])) return Json(res, 404, ErrorJson("unknown run " + req.matches[1]));
    stream_route(req, res, req.matches[1]);
  });
  h.Route("GET", "/api/stream", [stream_route](const HttpRequest& req, HttpResponse& res) {
    stream_route(req, res, "");
  });
  h.Route("GET", "/api/artifacts/([0-9a-zA-Z_.-]{1,256})",
          [this](const HttpRequest& req, HttpResponse& res) { Artifact(req, res); });
  h.Route("POST", "/api/materialize",
          [this](const HttpRequest& req, HttpResponse& res) { Materialize(req, res); });
  h.Route("POST", "/api/runs/([0-9a-f-]+)/cancel", [this](const HttpRequest& req, HttpResponse& res) {
    Status s = runs->Cancel(req.matches[1]);
    if (!s.ok()) return Json(res, 409, ErrorJson(s.message()));
    Json(res, 202, R"({"canceling":true})");
  });
  h.Route("POST", "/api/reload", [this](const HttpRequest&, HttpResponse& res) {
    Diagnostics diagnostics;
    auto loaded_now = Load(options.workspace, &diagnostics);
    std::string lines;
    for (const Diagnostic& d : diagnostics) lines += d.ToString() + "\n";
    if (!loaded_now.ok()) {
      return Json(res, 400, ErrorJson(loaded_now.status().message() + "\n" + lines));
    }
    {
      std::lock_guard<std::mutex> lock(loaded_mu);
      loaded = std::move(*loaded_now);
    }
    http.WakeStreams();
    Json(res, 200, R"({"reloaded":true})");
  });
  // The UI: exact paths from memory; the client routes with #fragments, so nothing else is it.
  h.Route("GET", "/(?!api/)[A-Za-z0-9._/-]*", [](const HttpRequest& req, HttpResponse& res) {
    const UiFile* file = FindUiFile(req.path);
    if (!file) return Json(res, 404, ErrorJson("not found"));
    res.headers.push_back({"ETag", file->etag});
    res.headers.push_back({"Cache-Control", file->immutable ? "public, max-age=31536000, immutable"
                                                            : "no-cache"});
    if (req.Header("if-none-match") == file->etag) {
      res.status = 304;
      return;
    }
    res.content_type = file->mime;
    res.body.assign(reinterpret_cast<const char*>(file->data), file->size);
  });
}

void WebServer::State::Materialize(const HttpRequest& req, HttpResponse& res) {
  rapidjson::Document body;
  body.Parse(req.body.c_str(), req.body.size());
  if (body.HasParseError() || !body.IsObject()) {
    return Json(res, 400, ErrorJson("the body must be a JSON object"));
  }
  auto flag = [&](const char* name) {
    return body.HasMember(name) && body[name].IsBool() && body[name].GetBool();
  };
  auto cur = Current();
  SelectionRequest request;
  request.all = flag("all");
  request.missing = flag("missing");
  request.stale = flag("stale");
  request.failed = flag("failed");
  request.with_upstream = flag("with_upstream");
  if (body.HasMember("select") && body["select"].IsString()) {
    request.expression = body["select"].GetString();
  }
  if (body.HasMember("assets") && body["assets"].IsArray()) {
    // Box-selected keys: each must be an asset (a key is also a legacy selection clause).
    std::string expression;
    for (const auto& key : body["assets"].GetArray()) {
      if (!key.IsString() || !cur->ws->definitions().FindAsset(key.GetString())) {
        return Json(res, 400, ErrorJson(std::string("unknown asset '") +
                                        (key.IsString() ? key.GetString() : "?") + "'"));
      }
      expression += (expression.empty() ? "" : ",") + std::string(key.GetString());
    }
    if (expression.empty()) return Json(res, 400, ErrorJson("no assets selected"));
    if (!request.expression.empty()) {
      return Json(res, 400, ErrorJson("give \"assets\" or \"select\", not both"));
    }
    request.expression = expression;
  }
  if (!request.all && request.expression.empty() &&
      (request.missing || request.stale || request.failed)) {
    request.all = true;  // "Materialize missing" with no selection: of every asset
  }
  auto selected = ResolveSelection(*cur->ws, *log, request);
  if (!selected.ok()) return Json(res, 400, ErrorJson(selected.status().message()));
  if (selected->empty()) {
    return Json(res, 200, R"({"run_id":null,"message":"nothing to materialize"})");
  }
  const size_t count = selected->size();
  auto run_id = runs->Launch(cur->ws, std::move(*selected),
                             "ui: " + SelectionText(request), options.parallelism);
  if (!run_id.ok()) {
    return Json(res, run_id.status().code() == Status::Code::kBusy ? 409 : 500,
                ErrorJson(run_id.status().message()));
  }
  Json(res, 202, "{\"run_id\":\"" + *run_id + "\",\"assets\":" + std::to_string(count) + "}");
}

void WebServer::State::Artifact(const HttpRequest& req, HttpResponse& res) {
  const std::string& id = req.matches[1];
  auto cur = Current();
  const auto& assets = cur->ws->definitions().assets;
  std::vector<std::string> keys;
  keys.reserve(assets.size());
  for (const AssetDef& a : assets) keys.push_back(a.key);
  std::string key;
  for (const auto& [k, m] : log->LatestMaterializations(keys)) {
    if (ArtifactId(m) == id) {
      key = k;
      break;
    }
  }
  if (key.empty() || !cur->io) return Json(res, 404, ErrorJson("no artifact " + id));
  const std::string etag = "\"" + id + "\"";
  if (req.Header("if-none-match") == etag) {
    res.status = 304;
    return;
  }
  std::string data;
  Status s = ReadStored(cur->io->ForKey(key), key, cur->ws->home(), &data);
  if (!s.ok()) return Json(res, 404, ErrorJson("artifact " + id + ": " + s.message()));
  res.content_type = SniffMime(data);
  res.body = std::move(data);
  res.headers.push_back({"ETag", etag});
  res.headers.push_back({"Cache-Control", "private, max-age=31536000, immutable"});
  res.headers.push_back({"Content-Security-Policy", "default-src 'none'; sandbox"});
  res.headers.push_back({"Content-Disposition", "inline; filename=\"" + key.substr(key.rfind('/') + 1) + "\""});
}

void WebServer::State::StreamEvents(const std::string& run_id, int64_t after,
                                    EventStreamWriter& out) {
  // The first frame says the stream is open (the UI's connection indicator) and sets the
  // client's retry delay.
  if (!out.Send(0, "hello", "{\"after\":" + std::to_string(after) + "}")) return;
  for (;;) {
    const auto events = log->EventsAfter(run_id, after, kEventPage);
    for (const EventRecord& e : events) {
      if (!out.Send(e.id, "", EventJson(e))) return;
      after = e.id;
    }
    if (events.size() == kEventPage) continue;
    if (!run_id.empty()) {
      auto run = log->FindRun(run_id);
      if (run && run->status != RunStatus::kStarted) {
        // Ended: anything appended after the end record was read above (EndRun commits).
        if (log->EventsAfter(run_id, after, 1).empty()) {
          out.Send(0, "end", RunJson(*run));
          return;
        }
        continue;
      }
    }
    if (!out.Wait(kStreamPollMs)) return;
  }
}

Expected<std::unique_ptr<WebServer>> WebServer::Start(const ServeOptions& options,
                                                      Diagnostics* diagnostics) {
  auto loaded = State::Load(options.workspace, diagnostics);
  if (!loaded.ok()) return loaded.status();
  auto log = EventLog::Open((*loaded)->ws->home());
  if (!log.ok()) return log.status();
  std::vector<RecoveredRun> recovered;
  RecoverAbandonedRuns(**log, (*loaded)->ws->home(), (*loaded)->io.get(), &recovered);

  std::unique_ptr<WebServer> server(new WebServer());
  server->state_ = std::make_unique<State>(options.heartbeat_s);
  State& st = *server->state_;
  st.options = options;
  st.log = std::move(*log);
  st.loaded = std::move(*loaded);
  st.runs = std::make_unique<RunLauncher>(*st.log, [&st] { st.http.WakeStreams(); });
  for (const auto& [name, value] : SecurityHeaders()) st.http.AddDefaultHeader(name, value);
  st.AddRoutes();
  auto port = st.http.Bind(options.host, options.port);
  if (!port.ok()) return port.status();
  st.port = *port;
  st.policy.allowed_hosts = AllowedHosts(options.host, options.allowed_hosts);
  st.policy.port = st.port;
  st.policy.token = options.token;
  if (st.policy.token.empty() && !IsLoopbackHost(options.host)) st.policy.token = NewToken();
  st.http.Before([&st](const HttpRequest& req, HttpResponse& res) {
    return CheckRequest(st.policy, req, res);
  });
  return server;
}

WebServer::~WebServer() {
  if (!state_) return;
  state_->http.Stop();
  state_->runs.reset();  // cancels and joins the runs before the log closes
}

int WebServer::port() const { return state_->port; }

std::string WebServer::url() const {
  std::string host = state_->options.host;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string u = "http://" + host + ":" + std::to_string(state_->port) + "/";
  if (!state_->policy.token.empty()) u += "?token=" + state_->policy.token;
  return u;
}

void WebServer::Serve() { state_->http.Listen(); }

void WebServer::Stop() { state_->http.Stop(); }

}  // namespace af
