// s3_io/s3_io_manager through the real assetflow CLI against moto with SigV4 enforced, every
// object checked by boto3. One server per test case (each starts in ~1-3 s).
#include <rapidjson/document.h>

#include <algorithm>
#include <thread>

#include "s3_fixture.h"
#include "s3_io/upload_marker.h"

namespace s3_test {

std::string ExpectedBytesSha256(uint64_t size) {
  std::string data(size, '\0');
  for (uint64_t i = 0; i < size; ++i) data[i] = static_cast<char>(i % 251);
  return s3::Sha256Hex(data);
}

namespace {

// The metadata of `asset`'s latest materialization: key -> value.
std::map<std::string, std::string> Metadata(const Workspace& ws, const std::string& asset) {
  rapidjson::Document d;
  const std::string json = Boto({"metadata", ws.home + "/assetflow.db", asset}, ws.dir.path);
  d.Parse(json.c_str());
  REQUIRE_MESSAGE(d.IsArray(), json);
  std::map<std::string, std::string> out;
  for (const auto& m : d.GetArray()) out[m["key"].GetString()] = m["value"].GetString();
  return out;
}

// The first word of s3_check's "sha256" answer, and the whole answer.
std::vector<std::string> Words(const std::string& s) {
  std::stringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string AllFilesUnder(const std::string& dir) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) all += af_test::ReadFile(e.path().string());
  return all;
}

const std::string kAssets = R"(
assets:
  text: { type: examples/constant, config: { value: "héllo, S3\n", repeat: 3 } }
  empty: { type: examples/noop }
  blob: { type: examples/bytes, config: { size: 3000000, chunk: 65521 } }
  joined: { type: examples/concat, inputs: { a: text, b: blob, c: empty }, config: { separator: "|" } }
)";

}  // namespace

TEST_CASE("s3 round trip of text, empty, binary and derived assets, read back by boto3") {
  MotoServer moto;
  moto.Export();
  Workspace ws;
  ws.Write("resources:\n" + S3Resource("io_manager", "rt") + kAssets);
  Run r = ws.Assetflow({"materialize", "--all"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  const std::string text = "héllo, S3\nhéllo, S3\nhéllo, S3\n";
  std::vector<std::string> got = Words(Boto({"sha256", kBucket, "rt/text"}, ws.dir.path));
  REQUIRE(got.size() == 3);
  CHECK(got[0] == s3::Sha256Hex(text));
  CHECK(got[1] == std::to_string(text.size()));
  got = Words(Boto({"sha256", kBucket, "rt/empty"}, ws.dir.path));
  CHECK(got[0] == s3::Sha256Hex(""));
  CHECK(got[1] == "0");
  got = Words(Boto({"sha256", kBucket, "rt/blob"}, ws.dir.path));
  CHECK(got[0] == ExpectedBytesSha256(3000000));
  const std::string blob_etag = got[2];
  std::string joined = text + "|";
  {
    std::string blob(3000000, '\0');
    for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i % 251);
    joined += blob + "||";
  }
  got = Words(Boto({"sha256", kBucket, "rt/joined"}, ws.dir.path));
  CHECK(got[0] == s3::Sha256Hex(joined));

  // Metadata: uri, bytes and the ETag S3 reports.
  const auto meta = Metadata(ws, "blob");
  CHECK(meta == std::map<std::string, std::string>{
                    {"uri", "s3://assetflow-test/rt/blob"}, {"bytes", "3000000"}, {"etag", blob_etag}});

  // Nothing left in the staging area once the run ended.
  CHECK(Boto({"keys", kBucket, "rt/.assetflow-staging/"}, ws.dir.path) == "");
  CHECK(Boto({"keys", kBucket, "rt/"}, ws.dir.path) == "rt/blob\nrt/empty\nrt/joined\nrt/text\n");
}

TEST_CASE("s3 objects put by boto3 are loaded by assetflow; keys with é, + , = and spaces") {
  MotoServer moto;
  moto.Export();
  Workspace ws;
  const std::string prefix = "dir é/a+b=c d";
  ws.Write("resources:\n" + S3Resource("io_manager", prefix) + kAssets);
  REQUIRE(ws.Assetflow({"materialize", "--all"}).exit_code == 0);
  CHECK(Boto({"keys", kBucket, prefix + "/"}, ws.dir.path) ==
        prefix + "/blob\n" + prefix + "/empty\n" + prefix + "/joined\n" + prefix + "/text\n");

  // boto3 replaces `text`; assetflow's `joined` reads what boto3 wrote.
  const std::string file = ws.dir.path + "/replacement";
  std::ofstream(file) << "from boto3 é+=";
  Boto({"put", kBucket, prefix + "/text", file}, ws.dir.path);
  Run r = ws.Assetflow({"materialize", "--select", "joined"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::string blob(3000000, '\0');
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i % 251);
  CHECK(Words(Boto({"sha256", kBucket, prefix + "/joined"}, ws.dir.path))[0] ==
        s3::Sha256Hex("from boto3 é+=|" + blob + "||"));
}

TEST_CASE("s3 wrong secret: a clear 403 naming bucket, key and key id; the secret appears nowhere") {
  MotoServer moto;
  const std::string wrong = "WrongSecret/Do-Not-Print-7f3a9c";
  moto.Export(wrong);
  Workspace ws;
  ws.Write("resources:\n" + S3Resource("io_manager", "auth") +
           "assets:\n  text: { type: examples/constant, config: { value: x } }\n");
  Run r = ws.Assetflow({"--log-format", "json", "materialize", "--all"});
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 1);
  CHECK(all.find("PUT s3://assetflow-test/auth/.assetflow-staging/") != std::string::npos);
  CHECK(all.find("was denied (HTTP 403 SignatureDoesNotMatch") != std::string::npos);
  CHECK(all.find("for access key id " + moto.access_key() + " from environment") != std::string::npos);
  Run logs = ws.Assetflow({"runs"});
  const std::string stored = all + logs.out + logs.err + AllFilesUnder(ws.home);
  CHECK(stored.find("SignatureDoesNotMatch") != std::string::npos);  // the control: it was recorded
  CHECK(stored.find(wrong) == std::string::npos);
  CHECK(stored.find(moto.secret_key()) == std::string::npos);
  CHECK(stored.find("Signature=") == std::string::npos);
  // Denied is not retried: one attempt.
  CHECK(Boto({"events", ws.home + "/assetflow.db", "STEP_RETRY"}, ws.dir.path) == "0\n");
}

TEST_CASE("s3 missing bucket and missing object: errors that say so") {
  MotoServer moto;
  moto.Export();
  Workspace ws;
  ws.Write("resources:\n" + S3Resource("io_manager", "p") +
           S3Resource("elsewhere", "p", "", "no-such-bucket-af") +
           "assets:\n"
           "  up: { type: examples/constant, config: { value: x } }\n"
           "  down: { type: examples/concat, inputs: { u: up } }\n"
           "  lost: { type: examples/constant, io_manager: elsewhere }\n");
  Run r = ws.Assetflow({"materialize", "--select", "lost"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK((r.out + r.err).find("bucket 'no-such-bucket-af' does not exist at " + moto.endpoint()) !=
        std::string::npos);

  REQUIRE(ws.Assetflow({"materialize", "--select", "up"}).exit_code == 0);
  Boto({"delete", kBucket, "p/up"}, ws.dir.path);
  r = ws.Assetflow({"materialize", "--select", "down"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK((r.out + r.err).find("asset 'up' is not stored at s3://assetflow-test/p/up: materialize it "
                             "first (assetflow materialize --select 'up')") != std::string::npos);
}

TEST_CASE("s3 a 50 MB asset goes multipart; the host's peak RSS stays within 64 MB of a 1 KB run") {
  MotoServer moto;
  moto.Export();
  Workspace ws;
  const uint64_t size = 50u << 20;
  ws.Write("resources:\n" + S3Resource("io_manager", "big") +
           "assets:\n"
           "  small: { type: examples/bytes, config: { size: 1024 } }\n"
           "  large: { type: examples/bytes, config: { size: " + std::to_string(size) + " } }\n");
  Run baseline = ws.Assetflow({"materialize", "--select", "small"});
  REQUIRE(baseline.exit_code == 0);
  Run big = ws.Assetflow({"materialize", "--select", "large"});
  INFO(big.out << big.err);
  REQUIRE(big.exit_code == 0);
  MESSAGE("peak RSS: 1 KB run " << baseline.max_rss_kb / 1024 << " MiB, 50 MB run "
                                << big.max_rss_kb / 1024 << " MiB");
  CHECK(big.max_rss_kb - baseline.max_rss_kb < 64 * 1024);

  std::vector<std::string> got = Words(Boto({"sha256", kBucket, "big/large"}, ws.dir.path));
  REQUIRE(got.size() == 3);
  CHECK(got[0] == ExpectedBytesSha256(size));
  CHECK(got[1] == std::to_string(size));
  CHECK(got[2].size() > 3);
  CHECK(got[2].substr(got[2].size() - 3) == "-7\"");  // 50 MiB in 8 MiB parts: a multipart ETag
  CHECK(Metadata(ws, "large").at("etag") == got[2]);
  CHECK(Boto({"uploads", kBucket, "big/"}, ws.dir.path) == "");
}

namespace {

// Waits until the server has a multipart upload under `prefix` with at least one part sent.
bool WaitForUpload(s3::Client& client, const std::string& prefix, double limit_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (std::chrono::steady_clock::now() < end) {
    try {
      if (!client.ListMultipartUploads(prefix).empty()) return true;
    } catch (const s3::S3Error&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

const std::string kSlowLarge =
    "assets:\n"
    "  large: { type: examples/bytes, config: { size: 62914560, chunk: 65536 },"
    " retry_policy: { max_retries: 1, delay: 0.1 } }\n";

}  // namespace

TEST_CASE("s3 server killed mid-upload: the step fails retryably and no object is visible") {
  MotoServer moto;
  moto.Export();
  hn_test::ChildProcess proxy({"python3", TCP_PROXY, std::to_string(moto.port())}, "ready port=", 60);
  Workspace ws;
  ws.Write("resources:\n" +
           S3Resource("io_manager", "cut",
                      "endpoint_url: \"http://127.0.0.1:" + proxy.ready_value() +
                          "\", part_size: 5242880, max_attempts: 3, backoff_ms: 20") +
           kSlowLarge);
  af_test::Child host = af_test::Spawn(
      {AF_ASSETFLOW, "--home", ws.home, "--manifest", ws.manifest, "--plugin-dir", AF_PLUGIN_DIR,
       "materialize", "--all"},
      ws.dir.path + "/host.out", ws.dir.path + "/host.err");
  auto client = moto.Client();
  REQUIRE(WaitForUpload(*client, "cut/", 120));
  ::kill(proxy.pid(), SIGKILL);
  af_test::Result r = af_test::WaitAtMost(host, 300);
  const std::string all = r.out + r.err;
  INFO(all);
  CHECK(r.exit_code == 1);
  CHECK(all.find("failed after 3 attempts") != std::string::npos);
  // Retryable: the retry policy ran a second attempt.
  CHECK(Boto({"events", ws.home + "/assetflow.db", "STEP_RETRY"}, ws.dir.path) == "1\n");
  CHECK(Words(Boto({"sha256", kBucket, "cut/large"}, ws.dir.path)) == std::vector<std::string>{"missing"});
  CHECK(Boto({"keys", kBucket, "cut/large"}, ws.dir.path) == "");
}

TEST_CASE("s3 kill -9 of the host mid-upload: the next start aborts the dangling upload") {
  MotoServer moto;
  moto.Export();
  Workspace ws;
  ws.Write("resources:\n" + S3Resource("io_manager", "k9", "part_size: 5242880") + kSlowLarge);
  af_test::Child host = af_test::Spawn(
      {AF_ASSETFLOW, "--home", ws.home, "--manifest", ws.manifest, "--plugin-dir", AF_PLUGIN_DIR,
       "materialize", "--all"},
      ws.dir.path + "/host.out", ws.dir.path + "/host.err");
  auto client = moto.Client();
  REQUIRE(WaitForUpload(*client, "k9/", 120));
  ::kill(host.pid, SIGKILL);
  af_test::Wait(host);
  const std::string dangling = Boto({"uploads", kBucket, "k9/"}, ws.dir.path);
  REQUIRE(dangling.rfind("k9/large ", 0) == 0);
  CHECK(Boto({"keys", kBucket, "k9/.assetflow-staging/"}, ws.dir.path).find("/upload/large") !=
        std::string::npos);

  Run next = ws.Assetflow({"runs"});
  INFO(next.out << next.err);
  CHECK(next.exit_code == 0);
  CHECK(Boto({"uploads", kBucket, "k9/"}, ws.dir.path) == "");
  CHECK(Boto({"keys", kBucket, "k9/"}, ws.dir.path) == "");
  // And the work completes on the next run.
  Run again = ws.Assetflow({"materialize", "--missing", "--failed"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(Words(Boto({"sha256", kBucket, "k9/large"}, ws.dir.path))[0] == ExpectedBytesSha256(62914560));
}

}  // namespace s3_test

namespace s3_test {

TEST_CASE("s3 the Hacker News pipeline with s3_io as the default IO manager, by manifest alone") {
  MotoServer moto;
  moto.Export();
  hn_test::ReplayServer replay("hn-2022-03-29");
  Workspace ws;
  const std::string report = ws.dir.path + "/output.md";
  ::setenv("ASSETFLOW_S3_BUCKET", kBucket, 1);
  ::setenv("ASSETFLOW_S3_PREFIX", "hn run", 1);
  ::setenv("ASSETFLOW_OUTPUT", report.c_str(), 1);
  ::setenv("HN_API_URL", replay.base_url().c_str(), 1);
  auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {AF_ASSETFLOW, "--home", ws.home, "--manifest",
                                     std::string(AF_SOURCE_DIR) + "/manifests/s3",
                                     "--plugin-dir", AF_PLUGIN_DIR};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, ws.dir.path);
  };
  Run r = cli({"materialize", "--all"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Boto({"keys", kBucket, "hn run/"}, ws.dir.path) ==
        "hn run/hackernews_source_data\nhn run/hackernews_wordcloud_png\n");
  // The PNG in S3 is the one the report embeds: a real PNG, and the report exists.
  std::vector<std::string> png = Words(Boto({"sha256", kBucket, "hn run/hackernews_wordcloud_png"}, ws.dir.path));
  REQUIRE(png.size() == 3);
  CHECK(std::stoul(png[1]) > 10000);
  CHECK(af_test::ReadFile(report).find("data:image/png;base64,") != std::string::npos);
  // The report is rebuilt from the PNG stored in S3 alone.
  std::filesystem::remove(report);
  r = cli({"materialize", "--select", "hackernews_wordcloud"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(af_test::ReadFile(report).find("data:image/png;base64,") != std::string::npos);
  Run status = cli({"status"});
  CHECK(status.out.find("STALE") == std::string::npos);
  CHECK(status.out.find("MISSING") == std::string::npos);
  for (const char* v : {"ASSETFLOW_S3_BUCKET", "ASSETFLOW_S3_PREFIX", "ASSETFLOW_OUTPUT", "HN_API_URL"})
    ::unsetenv(v);
}

}  // namespace s3_test

namespace s3_test {

TEST_CASE("s3 503 SlowDown is retried with backoff; past max_attempts the step fails naming it") {
  MotoServer moto;
  moto.Export();
  auto run_through = [&](int slow_downs, int max_attempts, Workspace& ws) {
    hn_test::ChildProcess proxy({"python3", TCP_PROXY, std::to_string(moto.port()), "--slow-down",
                                 std::to_string(slow_downs)},
                                "ready port=", 60);
    ws.Write("resources:\n" +
             S3Resource("io_manager", "slow",
                        "endpoint_url: \"http://127.0.0.1:" + proxy.ready_value() +
                            "\", max_attempts: " + std::to_string(max_attempts) + ", backoff_ms: 10") +
             "assets:\n  text: { type: examples/constant, config: { value: slow },"
             " retry_policy: { max_retries: 0 } }\n");
    return ws.Assetflow({"materialize", "--all"});
  };
  Workspace ok;
  Run r = run_through(3, 4, ok);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(Words(Boto({"sha256", kBucket, "slow/text"}, ok.dir.path))[0] == s3::Sha256Hex("slow"));

  Workspace failed;
  r = run_through(3, 3, failed);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("failed after 3 attempts: HTTP 503 SlowDown: Please reduce your request rate.") !=
        std::string::npos);
}

}  // namespace s3_test

namespace s3_test {

TEST_CASE("s3 check --probe reaches each S3 resource's bucket with its credentials") {
  MotoServer moto;
  moto.Export();
  Workspace ws;
  ws.Write("resources:\n" + S3Resource("io_manager", "p") +
           S3Resource("other", "p", "", "no-such-bucket-af") +
           "  files:\n    type: fs_io/fs_io_manager\n"
           "assets:\n"
           "  a: { type: examples/constant }\n"
           "  b: { type: examples/constant, io_manager: other }\n"
           "  c: { type: examples/constant, io_manager: files }\n");
  Run r = ws.Assetflow({"check", "--probe"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("probe io_manager (s3_io/s3_io_manager): ok\n") != std::string::npos);
  CHECK(r.out.find("probe other (s3_io/s3_io_manager): FAILED\n") != std::string::npos);
  CHECK(r.out.find("probe files (fs_io/fs_io_manager): not probed (the IO manager has no probe call)\n") !=
        std::string::npos);
  CHECK(r.err == "error: probing 'other' through s3_io/s3_io_manager failed: bucket "
                 "'no-such-bucket-af' does not exist at " + moto.endpoint() + "\n");

  const std::string wrong = "NotTheSecret-91c2";
  moto.Export(wrong);
  ws.Write("resources:\n" + S3Resource("io_manager", "p") + "assets:\n  a: { type: examples/constant }\n");
  r = ws.Assetflow({"check", "--probe"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "error: probing 'io_manager' through s3_io/s3_io_manager failed: HEAD bucket "
                 "s3://assetflow-test was denied (HTTP 403) for access key id " + moto.access_key() +
                 " from environment\n");
  CHECK((r.out + r.err).find(wrong) == std::string::npos);
  moto.Export();
  CHECK(ws.Assetflow({"check", "--probe"}).exit_code == 0);
}

}  // namespace s3_test

#include <assetflow/testing/harness.hpp>
#include <dlfcn.h>

namespace s3_test {
namespace {

const af_plugin_entry* S3Plugin() {
  static const af_plugin_entry* entry = [] {
    void* lib = dlopen(S3_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    REQUIRE_MESSAGE(lib, dlerror());
    auto fn = reinterpret_cast<const af_plugin_entry* (*)()>(dlsym(lib, "assetflow_plugin_entry"));
    if (!fn) FAIL("s3_io.so exports no assetflow_plugin_entry");
    return fn();
  }();
  return entry;
}

}  // namespace

TEST_CASE("s3 through the SDK harness: commit_writer (a 1.0 host) and sweep of a marker with no upload id") {
  MotoServer moto;
  moto.Export();
  af_test::TempDir dir("af_s3h");
  assetflow::testing::IoRun io(S3Plugin(), "s3_io_manager");
  io.config(R"({"bucket":"assetflow-test","prefix":"h","part_size":5242880})").key("a/b");
  // Direct commit (no staging): the object is there at once, nothing staged.
  std::string big(6 << 20, 'x');
  REQUIRE(io.store(big) == AF_OK);
  CHECK(Words(Boto({"sha256", kBucket, "h/a/b"}, dir.path))[0] == s3::Sha256Hex(big));
  CHECK(Boto({"keys", kBucket, "h/.assetflow-staging/"}, dir.path) == "");
  std::string loaded;
  REQUIRE(io.load(loaded) == AF_OK);
  CHECK(loaded == big);
  REQUIRE(io.wipe() == AF_OK);
  CHECK(io.load(loaded) == AF_ERR_NOT_FOUND);

  // A host killed between writing the marker and learning the upload id: sweep still aborts it.
  const std::string run = "0e5c7a52-1111-4111-8111-000000000001";
  auto client = moto.Client();
  client->CreateMultipartUpload("h/a/b");
  client->Put("h/.assetflow-staging/" + run + "/1/upload/a/b", s3_io::FormatMarker("", nullptr));
  REQUIRE(client->ListMultipartUploads("h/").size() == 1);
  const af_io_manager_descriptor* desc = assetflow::testing::find_io_manager(S3Plugin(), "s3_io_manager");
  io.harness().run_id = run;
  io.harness().asset_key = "";
  REQUIRE(desc->sweep(desc, io.harness().context()) == AF_OK);
  CHECK(client->ListMultipartUploads("h/").empty());
  CHECK(client->ListKeys("h/").empty());
}

}  // namespace s3_test
