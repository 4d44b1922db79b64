// What the isolation tests share: a temp home with a manifest, the `assetflow` binary run with
// the hostile plugin's directory and the build's plugins, its JSON event lines, the files in
// storage, and the processes it starts.
#ifndef AF_TESTS_ISOLATION_ISOLATION_H
#define AF_TESTS_ISOLATION_ISOLATION_H

#include <dirent.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "support/cli_process.h"

namespace af_test {

// One temp dir holding home/ (ASSETFLOW_HOME) and m.yaml; every command gets both plugin dirs.
struct Home {
  TempDir dir{"af_isolation"};
  int commands = 0;

  std::string home() const { return dir.path + "/home"; }
  std::string storage() const { return home() + "/storage"; }
  void Manifest(const std::string& yaml) const { std::ofstream(dir.path + "/m.yaml") << yaml; }

  Child Start(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {AF_ASSETFLOW, "--home", home(), "--manifest",
                                     dir.path + "/m.yaml", "--plugin-dir", AF_HOSTILE_PLUGIN_DIR,
                                     "--plugin-dir", AF_PLUGIN_DIR};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string tag = dir.path + "/cmd" + std::to_string(commands++);
    return Spawn(argv, tag + ".out", tag + ".err");
  }
  // Runs a command to its end; one that outlives `limit_s` is killed and marked timed_out.
  Result Run(const std::vector<std::string>& args, double limit_s = 60) {
    return WaitAtMost(Start(args), limit_s);
  }
};

// One line of `--log-format json` output.
struct Event {
  std::string run_id, asset, type, message;
  int64_t attempts = -1;  // data.attempts, when present
  std::string data_version;  // data.data_version, when present
};

inline std::vector<Event> Events(const std::string& out) {
  std::vector<Event> events;
  for (const std::string& line : Lines(out)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("type")) continue;
    Event e;
    auto str = [&](const char* k) {
      return d.HasMember(k) && d[k].IsString() ? std::string(d[k].GetString()) : std::string();
    };
    e.run_id = str("run_id");
    e.asset = str("asset");
    e.type = str("type");
    e.message = str("message");
    if (d.HasMember("data") && d["data"].IsObject()) {
      const auto& data = d["data"];
      if (data.HasMember("attempts") && data["attempts"].IsInt64()) e.attempts = data["attempts"].GetInt64();
      if (data.HasMember("data_version") && data["data_version"].IsString())
        e.data_version = data["data_version"].GetString();
    }
    events.push_back(e);
  }
  return events;
}

// The last event of `type` for `asset` ("" for run events), if any.
inline std::optional<Event> Find(const std::vector<Event>& events, const std::string& type,
                                 const std::string& asset) {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (it->type == type && it->asset == asset) return *it;
  return std::nullopt;
}

// Waits until the child's stdout has event `type` for `asset`; false if the child ended first
// or `limit_s` passed. The child is not reaped.
inline bool WaitForEvent(const Child& c, const std::string& type, const std::string& asset,
                         double limit_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (std::chrono::steady_clock::now() < end) {
    if (Find(Events(ReadFile(c.out_path)), type, asset)) return true;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(c.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == c.pid)
      return false;
    ::usleep(5000);
  }
  return false;
}

// Every regular file under `root`, as paths relative to it, mapped to its bytes.
inline std::map<std::string, std::string> FilesUnder(const std::string& root) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  if (!fs::exists(root, ec)) return files;
  for (const auto& e : fs::recursive_directory_iterator(root, ec))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = ReadFile(e.path().string());
  return files;
}

inline std::vector<std::string> TmpFilesUnder(const std::string& root) {
  std::vector<std::string> tmp;
  for (const auto& [path, bytes] : FilesUnder(root))
    if (path.find(".tmp") != std::string::npos) tmp.push_back(path);
  return tmp;
}

inline std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

// `status --log-format json` (all assets): key -> data version of the last materialization
// ("" = none) and key -> status name.
struct StatusSnapshot {
  int exit_code = -1;
  std::map<std::string, std::string> data_version, state;
};

inline StatusSnapshot Status(Home& h) {
  Result r = h.Run({"--log-format", "json", "status"});
  StatusSnapshot s;
  s.exit_code = r.exit_code;
  for (const std::string& line : Lines(r.out)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("asset")) continue;
    const std::string key = d["asset"].GetString();
    s.state[key] = d["status"].GetString();
    const auto& last = d["last_materialization"];
    s.data_version[key] = last.IsObject() ? last["data_version"].GetString() : "";
  }
  return s;
}

// The status column of the newest run in `assetflow runs` (its second column), and the line.
struct LatestRun {
  std::string status, line;
};

inline LatestRun Latest(Home& h) {
  Result r = h.Run({"runs", "-n", "1"});
  auto lines = Lines(r.out);
  LatestRun run;
  if (lines.size() < 2) return run;
  run.line = lines[1];
  std::stringstream ss(run.line);
  std::string id;
  ss >> id >> run.status;
  return run;
}

// Children of `parent` whose command line contains "worker" (the step runner's processes).
inline std::vector<pid_t> WorkerChildren(pid_t parent) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (dirent* e = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(stat.c_str() + paren + 1, " %c %d", &state, &ppid) != 2) continue;
    if (ppid != parent || state == 'Z') continue;
    std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("worker") != std::string::npos) out.push_back(pid);
  }
  ::closedir(proc);
  return out;
}

// The worker processes of `parent`, waiting up to `limit_s` for at least one to appear.
inline std::vector<pid_t> AwaitWorkers(pid_t parent, double limit_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  std::vector<pid_t> workers;
  while ((workers = WorkerChildren(parent)).empty() && std::chrono::steady_clock::now() < end)
    ::usleep(1000);
  return workers;
}

// True once `pid` has exited (gone, or a zombie waiting for a reaper).
inline bool Gone(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || stat.compare(paren + 1, 3, " Z ") == 0;
}

}  // namespace af_test

#endif  // AF_TESTS_ISOLATION_ISOLATION_H
