#include "replay_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace hn_test {

ChildProcess::ChildProcess(const std::vector<std::string>& args, const std::string& ready_prefix,
                           int ready_timeout_s) {
  std::vector<std::string> argv_s = args;
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addclose(&fa, out[1]);
  int rc = posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  }

  // Read lines until the ready one.
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(ready_timeout_s);
  bool ready = ready_prefix.empty();
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    for (size_t start = 0, end; !ready && (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
      if (text.compare(start, ready_prefix.size(), ready_prefix) == 0) {
        ready_value_ = text.substr(start + ready_prefix.size(), end - start - ready_prefix.size());
        ready = true;
      }
    }
  }
  // Kept open until the child dies: a server that logs more on stdout must not get SIGPIPE
  // (the pipe buffer holds far more than these tests make them print).
  stdout_fd_ = out[0];
  if (!ready) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(stdout_fd_);
    throw std::runtime_error(args[0] + " did not print '" + ready_prefix + "...': '" + text + "'");
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

namespace {
std::vector<std::string> replay_argv(const std::string& set, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HN_REPLAY_PATH, "--data", std::string(HN_DATA_DIR) + "/" + set,
                                   "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}
}  // namespace

ReplayServer::ReplayServer(const std::string& set, const std::vector<std::string>& args)
    : process_(replay_argv(set, args), "listening on "), port_(std::stoi(process_.ready_value())) {}

std::string ReplayServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v0";
}

std::string ReplayServer::https_url() const {
  return "https://127.0.0.1:" + std::to_string(port_) + "/v0";
}

uint64_t ReplayServer::stat(const char* name) const {
  std::string body = http_get("http://127.0.0.1:" + std::to_string(port_) + "/stats");
  rapidjson::Document d;
  d.Parse(body.c_str());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember(name) || !d[name].IsUint64())
    throw std::runtime_error("/stats has no counter '" + std::string(name) + "': " + body);
  return d[name].GetUint64();
}

TlsDir::TlsDir() {
  char dir[] = "/tmp/hn_tls_XXXXXX";
  if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  path = dir;
  if (std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                   "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                   path + "/key.pem -out " + path + "/cert.pem 2>/dev/null").c_str()) != 0)
    throw std::runtime_error("openssl req could not make a certificate in " + path);
}

TlsDir::~TlsDir() { std::system(("rm -rf " + path).c_str()); }

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) != 0) {
    close(fd);
    throw std::runtime_error("no free port on 127.0.0.1");
  }
  close(fd);
  return ntohs(a.sin_port);
}

void wait_for_port(int port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool up = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (up) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("nothing listens on 127.0.0.1:" + std::to_string(port));
}

std::string http_get(const std::string& url) {
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* b) {
    static_cast<std::string*>(b)->append(p, s * n);
    return s * n;
  });
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK || status != 200)
    throw std::runtime_error("GET " + url + " failed: " + curl_easy_strerror(rc) + ", HTTP " +
                             std::to_string(status));
  return body;
}

const af_plugin_entry* plugin_entry() {
  static const af_plugin_entry* entry = [] {
    void* lib = dlopen(HN_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    auto fn = reinterpret_cast<const af_plugin_entry* (*)()>(dlsym(lib, "assetflow_plugin_entry"));
    if (!fn) throw std::runtime_error(HN_PLUGIN_PATH " exports no assetflow_plugin_entry");
    return fn();
  }();
  return entry;
}

}  // namespace hn_test
