// The Slurm executor on a real cluster (munged, slurmctld, slurmd n1 and n2 on 127.0.0.1,
// started by the slurm fixture; SLURM_CONF names it), through the real `assetflow` binary: the
// Hacker News pipeline (hn-replay, offline) with the fs IO manager on the shared folder (the
// local disk) and with the S3 IO manager (moto, signatures enforced), a node set DOWN under a running step, cancellation and a tampered plugin. The
// "worker files" cases need no cluster: they run the worker as a job would.
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "hackernews/replay_server.h"
#include "isolation/isolation.h"

using namespace af_test;

namespace {

// A shell command's stdout (stderr to the test's stderr).
std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) out.append(buffer, n);
  ::pclose(p);
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// `cluster.sh <verb> DIR <args>` of the fixture's cluster (tests/slurm/README.md).
void Cluster(const std::string& verb_and_args) {
  const char* sh = std::getenv("AF_SLURM_CLUSTER_SH");
  const char* dir = std::getenv("AF_SLURM_CLUSTER_DIR");
  REQUIRE(sh != nullptr);
  REQUIRE(dir != nullptr);
  const std::string verb = verb_and_args.substr(0, verb_and_args.find(' '));
  const std::string rest = verb_and_args.substr(verb.size());
  Shell(std::string(sh) + " " + verb + " " + dir + rest + " >&2");
}

void RequireCluster() {
  const char* conf = std::getenv("SLURM_CONF");
  REQUIRE_MESSAGE(conf != nullptr, "SLURM_CONF is not set: run through ctest (the slurm fixture)");
  REQUIRE(Trim(Shell("sinfo -h -o '%n %t' | sort")) == "n1 idle\nn2 idle");
}

// Short timings so that lost jobs are found in seconds.
const std::string kExecutor =
    "executor: { type: slurm, poll_interval: 1s, exit_grace: 4s, heartbeat_timeout: 30s, "
    "max_jobs: 8 }\n";

std::string HnManifest(const std::string& base_url, const std::string& report) {
  return kExecutor + "resources:\n  hn_io_manager: { type: fs_io/file_writer, config: { path: \"" +
         report + "\" } }\n"
         "assets:\n"
         "  hackernews_source_data: { type: hackernews/top_stories, config: { base_url: \"" +
         base_url + "\", count: 40, concurrency: 8 } }\n"
         "  hackernews_wordcloud_png: { type: wordcloud/wordcloud_png, inputs: { stories: "
         "hackernews_source_data }, config: { width: 240, height: 240 } }\n"
         "  hackernews_wordcloud: { type: wordcloud/markdown_report, inputs: { image: "
         "hackernews_wordcloud_png }, io_manager: hn_io_manager }\n";
}

std::string AttemptDir(Home& h, const std::string& run_id, const std::string& step, int n) {
  return h.home() + "/runs/" + run_id + "/steps/" + step + "/a" + std::to_string(n);
}

int CountEvents(const std::vector<Event>& events, const std::string& type,
                const std::string& asset) {
  int n = 0;
  for (const Event& e : events) n += e.type == type && e.asset == asset;
  return n;
}

bool WaitForFile(const std::string& path, double limit_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (std::chrono::steady_clock::now() < end) {
    if (fs::exists(path)) return true;
    ::usleep(20000);
  }
  return false;
}

// The run id of the first event in `out_path` (the run's start), waiting for it.
std::string RunIdOf(const Child& c, double limit_s) {
  REQUIRE(WaitForEvent(c, "RUN_STARTED", "", limit_s));
  return Find(Events(ReadFile(c.out_path)), "RUN_STARTED", "")->run_id;
}

// Holds n1 with a sleeping job so that the next step lands on n2; the job's id (the caller
// scancels it).
std::string HoldN1() {
  const std::string job =
      Trim(Shell("sbatch --parsable --no-requeue --job-name af-blocker -w n1 -o /dev/null "
                 "--wrap 'exec sleep 300'"));
  REQUIRE_FALSE(job.empty());
  return job;
}

// Attempt 1 of `step` in the run `c` started, once its worker runs (beats): the run's id, the
// attempt's folder and its Slurm job id.
struct RunningAttempt {
  std::string run_id, dir, job;
};
RunningAttempt WaitForRunningAttempt(Home& h, const Child& c, const std::string& step) {
  RunningAttempt a;
  a.run_id = RunIdOf(c, 30);
  a.dir = AttemptDir(h, a.run_id, step, 1);
  REQUIRE(WaitForFile(a.dir + "/heartbeat", 60));
  a.job = Trim(ReadFile(a.dir + "/job"));
  return a;
}

// No job of the run is alive in the queue.
bool NoLiveJobs(const std::string& run_id) {
  const std::string states =
      Shell("squeue -h -o %T --name af-" + run_id.substr(0, 8) + " 2>/dev/null");
  for (const std::string& s : Lines(states))
    if (s == "PENDING" || s == "RUNNING" || s == "COMPLETING") return false;
  return true;
}

}  // namespace

TEST_CASE("slurm cluster: the Hacker News pipeline, one job per step, files in the attempt folders") {
  RequireCluster();
  hn_test::ReplayServer server("hn-2022-03-29");
  Home h;
  const std::string report = h.dir.path + "/report.md";
  h.Manifest(HnManifest(server.base_url(), report));
  Result r = h.Run({"--log-format", "json", "materialize", "--all"}, 240);
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const auto events = Events(r.out);
  const std::string run_id = Find(events, "RUN_SUCCESS", "")->run_id;
  for (const char* asset : {"hackernews_source_data", "hackernews_wordcloud_png", "hackernews_wordcloud"}) {
    CAPTURE(asset);
    CHECK(CountEvents(events, "MATERIALIZATION", asset) == 1);
    const std::string dir = AttemptDir(h, run_id, asset, 1);
    CHECK(fs::exists(dir + "/result.json"));
    CHECK(fs::exists(dir + "/events.jsonl"));
    CHECK(fs::exists(dir + "/heartbeat"));
    CHECK(ReadFile(dir + "/claim").rfind("worker ", 0) == 0);  // the worker claimed it
    const std::string job = Trim(ReadFile(dir + "/job"));
    CHECK(fs::exists(dir + "/slurm-" + job + ".log"));
    struct stat st;
    REQUIRE(::stat((dir + "/spec.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_FALSE(fs::exists(AttemptDir(h, run_id, asset, 2)));
    bool submitted = false;
    for (const Event& e : events)
      submitted |= e.asset == asset && e.message.rfind("submitted as Slurm job " + job + " ", 0) == 0;
    CHECK(submitted);
  }
  // The stored PNG is exactly the recorded version; the report embeds it.
  StatusSnapshot s = Status(h);
  CHECK(s.state == std::map<std::string, std::string>{{"hackernews_source_data", "FRESH"},
                                                       {"hackernews_wordcloud_png", "FRESH"},
                                                       {"hackernews_wordcloud", "FRESH"}});
  CHECK(Sha256Hex(ReadFile(h.storage() + "/hackernews_wordcloud_png")) ==
        s.data_version["hackernews_wordcloud_png"]);
  CHECK(ReadFile(report).rfind("# Wordcloud of top Hacker News stories\n", 0) == 0);
  CHECK(NoLiveJobs(run_id));
}

TEST_CASE("slurm cluster: the Hacker News pipeline with the S3 IO manager: the jobs store in S3") {
  RequireCluster();
  // moto with SigV4 enforced (tests/s3/moto_server.py); its credentials reach the workers the
  // way a cluster user's do: in the environment sbatch exports, never in spec.json.
  hn_test::ChildProcess moto({"python3", MOTO_LAUNCHER, "--bucket", "assetflow-slurm"}, "ready ", 90);
  std::map<std::string, std::string> field;
  std::stringstream words(moto.ready_value());
  for (std::string w; words >> w;) field[w.substr(0, w.find('='))] = w.substr(w.find('=') + 1);
  const std::string endpoint = "http://127.0.0.1:" + field.at("port");
  ::setenv("AWS_ACCESS_KEY_ID", field.at("access_key").c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", field.at("secret_key").c_str(), 1);
  ::setenv("AWS_ENDPOINT_URL", endpoint.c_str(), 1);
  ::setenv("AWS_REGION", "us-east-1", 1);
  ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  hn_test::ReplayServer server("hn-2022-03-29");
  Home h;
  const std::string report = h.dir.path + "/report.md";
  std::string manifest = HnManifest(server.base_url(), report);
  const std::string resources = "resources:\n";
  manifest.replace(manifest.find(resources), resources.size(),
                   resources + "  io_manager: { type: s3_io/s3_io_manager, config: { bucket: "
                               "assetflow-slurm, prefix: \"slurm run\" } }\n");
  h.Manifest(manifest);
  Result r = h.Run({"--log-format", "json", "materialize", "--all"}, 240);
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const auto events = Events(r.out);
  const std::string run_id = Find(events, "RUN_SUCCESS", "")->run_id;
  for (const char* asset : {"hackernews_source_data", "hackernews_wordcloud_png", "hackernews_wordcloud"}) {
    CAPTURE(asset);
    CHECK(CountEvents(events, "MATERIALIZATION", asset) == 1);
    const std::string job = Trim(ReadFile(AttemptDir(h, run_id, asset, 1) + "/job"));
    CHECK_FALSE(job.empty());
  }
  // boto3 sees exactly the two S3 assets, and the PNG there is the recorded version.
  auto boto = [&](const std::string& args) {
    return Shell("AWS_ENDPOINT_URL=" + endpoint + " python3 " + S3_CHECK + " " + args);
  };
  CHECK(boto("keys assetflow-slurm 'slurm run/'") ==
        "slurm run/hackernews_source_data\nslurm run/hackernews_wordcloud_png\n");
  const std::string png = boto("sha256 assetflow-slurm 'slurm run/hackernews_wordcloud_png'");
  StatusSnapshot s = Status(h);
  CHECK(png.substr(0, 64) == s.data_version["hackernews_wordcloud_png"]);
  CHECK(ReadFile(report).find("data:image/png;base64,") != std::string::npos);
  // The secret key is in no file of the run's attempt folders (specs, events, job logs).
  for (const auto& entry : fs::recursive_directory_iterator(h.home() + "/runs/" + run_id)) {
    if (!entry.is_regular_file()) continue;
    CAPTURE(entry.path().string());
    CHECK(ReadFile(entry.path().string()).find(field.at("secret_key")) == std::string::npos);
  }
  CHECK(NoLiveJobs(run_id));
  for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION",
                        "AWS_EC2_METADATA_DISABLED"})
    ::unsetenv(v);
}

TEST_CASE("slurm cluster: n2 set DOWN under a running step: retried on n1, one materialization") {
  RequireCluster();
  Home h;
  h.Manifest(kExecutor +
             "assets:\n"
             "  slow: { type: examples/sleep, config: { ms: 6000 } }\n"
             "  after: { type: examples/concat, inputs: { x: slow }, config: { suffix: \"!\" } }\n");
  // n1 busy: the step goes to n2.
  const std::string blocker = HoldN1();
  struct Restore {
    std::string blocker;
    ~Restore() {
      Shell("scancel " + blocker);
      Cluster("node-up n2");
    }
  } restore{blocker};
  Child c = h.Start({"--log-format", "json", "materialize", "--all"});
  const auto [run_id, a1, job] = WaitForRunningAttempt(h, c, "slow");
  REQUIRE(Trim(Shell("squeue -h -o %N -j " + job)) == "n2");
  Cluster("node-down n2");
  Shell("scancel " + blocker);
  Result r = WaitAtMost(c, 120);
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const auto events = Events(r.out);
  CHECK(CountEvents(events, "MATERIALIZATION", "slow") == 1);
  CHECK(CountEvents(events, "MATERIALIZATION", "after") == 1);
  CHECK(CountEvents(events, "STEP_RETRY", "slow") == 0);  // not the asset's retry policy
  bool lost = false;
  for (const Event& e : events)
    lost |= e.asset == "slow" && e.message.find("attempt 1 was lost: Slurm job for 'slow' (job " +
                                                job + " on n2) ") == 0;
  CHECK(lost);
  const std::string a2 = AttemptDir(h, run_id, "slow", 2);
  REQUIRE(fs::exists(a2 + "/result.json"));
  CHECK(ReadFile(a1 + "/claim") == "host\n");  // fenced: attempt 1 can store nothing
  CHECK_FALSE(fs::exists(a1 + "/result.json"));
  const std::string job2 = Trim(ReadFile(a2 + "/job"));
  CHECK(ReadFile(a2 + "/slurm-" + job2 + ".log").find("error") == std::string::npos);
  bool on_n1 = false;
  for (const Event& e : events) on_n1 |= e.message == "Slurm job " + job2 + " running on n1";
  CHECK(on_n1);
  StatusSnapshot s = Status(h);
  CHECK(s.state["slow"] == "FRESH");
  CHECK(ReadFile(h.storage() + "/slow") == "slept");
  CHECK(Sha256Hex("slept") == s.data_version["slow"]);
  CHECK(TmpFilesUnder(h.storage()).empty());
}

TEST_CASE("slurm cluster: n2's slurmd killed: the step is retried on n1, the zombie is fenced off") {
  RequireCluster();
  Home h;
  h.Manifest(kExecutor + "assets:\n  slow: { type: examples/sleep, config: { ms: 40000 } }\n");
  const std::string blocker = HoldN1();
  struct Restore {
    std::string blocker;
    ~Restore() {
      Shell("scancel " + blocker);
      Cluster("slurmd-start n2");
      Cluster("node-up n2");
    }
  } restore{blocker};
  Child c = h.Start({"--log-format", "json", "materialize", "--all"});
  const auto [run_id, a1, job] = WaitForRunningAttempt(h, c, "slow");
  REQUIRE(Trim(Shell("squeue -h -o %N -j " + job)) == "n2");
  // The job's processes live on without their slurmd: Slurm declares n2 lost after
  // SlurmdTimeout, while the worker keeps running (and beating).
  Cluster("slurmd-kill n2");
  Shell("scancel " + blocker);
  Result r = WaitAtMost(c, 180);
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const auto events = Events(r.out);
  CHECK(CountEvents(events, "MATERIALIZATION", "slow") == 1);
  CHECK(ReadFile(a1 + "/claim") == "host\n");
  const std::string a2 = AttemptDir(h, run_id, "slow", 2);
  CHECK(ReadFile(a2 + "/claim").rfind("worker ", 0) == 0);
  // The zombie finishes its sleep, finds its attempt fenced, and stores nothing.
  REQUIRE(WaitForFile(a1 + "/result.json", 60));
  CHECK(ReadFile(a1 + "/result.json") ==
        R"({"record":"failure","status":"AF_ERR_FATAL","message":"attempt 1 was superseded (the host gave up on it); its output was discarded"})"
        "\n");
  StatusSnapshot s = Status(h);
  CHECK(s.state["slow"] == "FRESH");
  CHECK(ReadFile(h.storage() + "/slow") == "slept");
  CHECK(TmpFilesUnder(h.storage()).empty());
  CHECK(FilesUnder(h.storage()).size() == 1);
}

TEST_CASE("slurm cluster: a worker whose heartbeat stops is scancel'ed and retried on the other node") {
  RequireCluster();
  Home h;
  h.Manifest("executor: { type: slurm, poll_interval: 1s, exit_grace: 4s, heartbeat_timeout: 3s }\n"
             "assets:\n  slow: { type: examples/sleep, config: { ms: 4000 } }\n");
  Child c = h.Start({"--log-format", "json", "materialize", "--all"});
  const auto [run_id, a1, job] = WaitForRunningAttempt(h, c, "slow");
  const std::string node = Trim(Shell("squeue -h -o %N -j " + job));
  REQUIRE((node == "n1" || node == "n2"));
  // The worker hangs (stopped): it still holds its node, but beats no more.
  const std::string pid = Trim(Shell("pgrep -f -- '--attempt-dir " + a1 + "$'"));
  REQUIRE_FALSE(pid.empty());
  REQUIRE(::kill(std::stoi(pid), SIGSTOP) == 0);
  Result r = WaitAtMost(c, 120);
  INFO(r.out, r.err);
  REQUIRE(r.exit_code == 0);
  const auto events = Events(r.out);
  CHECK(CountEvents(events, "MATERIALIZATION", "slow") == 1);
  bool lost = false;
  for (const Event& e : events)
    lost |= e.message.find("attempt 1 was lost: Slurm job for 'slow' (job " + job + " on " + node +
                           ") sent no heartbeat for ") == 0;
  CHECK(lost);
  CHECK(ReadFile(a1 + "/claim") == "host\n");
  const std::string a2 = AttemptDir(h, run_id, "slow", 2);
  REQUIRE(fs::exists(a2 + "/result.json"));
  const std::string job2 = Trim(ReadFile(a2 + "/job"));
  CHECK(ReadFile(a2 + "/slurm-" + job2 + ".log").empty());
  // Excluded: the node that lost the first attempt.
  bool elsewhere = false;
  for (const Event& e : events)
    elsewhere |= e.message == "Slurm job " + job2 + " running on " + (node == "n1" ? "n2" : "n1");
  CHECK(elsewhere);
  CHECK(NoLiveJobs(run_id));
  CHECK(Gone(std::stoi(pid)));  // scancel ended the stopped worker
}

TEST_CASE("slurm cluster: kill -9 of the host, its job killed too: the next command fences, nothing is stored, a rerun completes") {
  RequireCluster();
  Home h;
  h.Manifest(kExecutor + "assets:\n  slow: { type: examples/sleep, config: { ms: 5000 } }\n");
  Child c = h.Start({"--log-format", "json", "materialize", "--all"});
  const std::string run_id = RunIdOf(c, 30);
  const std::string a1 = AttemptDir(h, run_id, "slow", 1);
  REQUIRE(WaitForFile(a1 + "/heartbeat", 60));
  ::kill(c.pid, SIGKILL);
  Wait(c);
  // The job dies as well, with no result: nothing is in flight, nothing to resume.
  Shell("scancel --full --signal=KILL " + Trim(ReadFile(a1 + "/job")) + " >&2");
  for (int i = 0; i < 300 && !NoLiveJobs(run_id); ++i) ::usleep(100000);
  REQUIRE(NoLiveJobs(run_id));
  Result runs = h.Run({"runs", "-n", "1"});
  CHECK(runs.err.find("note: run " + run_id + " did not finish") != std::string::npos);
  CHECK(ReadFile(a1 + "/claim") == "host\n");
  CHECK_FALSE(fs::exists(a1 + "/result.json"));
  CHECK(Latest(h).status == "FAILED");
  CHECK(FilesUnder(h.storage()).empty());
  // resume has nothing left to reattach to.
  Result resume = h.Run({"resume", run_id});
  CHECK(resume.exit_code == 2);
  CHECK(resume.err == "error: run " + run_id + " has ended (FAILED): nothing to resume\n");
  // A rerun materializes it, once.
  Result again = h.Run({"--log-format", "json", "materialize", "--failed"}, 120);
  INFO(again.out, again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(CountEvents(Events(again.out), "MATERIALIZATION", "slow") == 1);
  CHECK(ReadFile(h.storage() + "/slow") == "slept");
  CHECK(FilesUnder(h.storage()).size() == 1);
}

TEST_CASE("slurm cluster: kill -9 of the host mid-step: resume reattaches to the job, no resubmit, each event once") {
  RequireCluster();
  Home h;
  h.Manifest(kExecutor +
             "assets:\n"
             "  slow: { type: examples/sleep, config: { ms: 8000, log_every_ms: 500 } }\n"
             "  after: { type: examples/concat, inputs: { a: slow } }\n");
  Child c = h.Start({"--log-format", "json", "materialize", "--all"});
  const std::string run_id = RunIdOf(c, 30);
  const std::string a1 = AttemptDir(h, run_id, "slow", 1);
  // Killed once the host has ingested some of the job's log lines, while the job runs on.
  REQUIRE(WaitForEvent(c, "LOG", "slow", 60));
  for (int i = 0; i < 200; ++i) {
    int slept = 0;
    for (const Event& e : Events(ReadFile(c.out_path)))
      slept += e.asset == "slow" && e.message.rfind("slept ", 0) == 0;
    if (slept >= 3) break;
    ::usleep(50000);
  }
  ::kill(c.pid, SIGKILL);
  Wait(c);
  const std::string job = Trim(ReadFile(a1 + "/job"));
  REQUIRE_FALSE(job.empty());
  REQUIRE_FALSE(fs::exists(a1 + "/result.json"));  // still running when the host died

  // Any next command leaves the run for resume: nothing is fenced, the run stays STARTED.
  Result runs = h.Run({"runs", "-n", "1"});
  CHECK(runs.err.find("note: run " + run_id + " lost its host") != std::string::npos);
  CHECK(runs.err.find("resume it with `assetflow resume " + run_id + "`") != std::string::npos);
  CHECK(Latest(h).status == "STARTED");
  CHECK_FALSE(fs::exists(a1 + "/claim"));

  Result resume = h.Run({"--log-format", "json", "resume", run_id}, 180);
  INFO(resume.out, resume.err);
  REQUIRE(resume.exit_code == 0);
  CHECK(Latest(h).status == "SUCCESS");
  CHECK(Find(Events(resume.out), "RUN_SUCCESS", "").has_value());
  CHECK(ReadFile(a1 + "/claim").rfind("worker ", 0) == 0);  // the job itself stored its output

  // The whole run's records: the dead host's and resume's.
  Result logs = h.Run({"--log-format", "json", "logs", run_id});
  REQUIRE(logs.exit_code == 0);
  const std::vector<Event> events = Events(logs.out);
  CHECK(CountEvents(events, "RUN_STARTED", "") == 1);
  CHECK(CountEvents(events, "STEP_STARTED", "slow") == 1);
  CHECK(CountEvents(events, "STEP_STARTED", "after") == 1);
  CHECK(CountEvents(events, "MATERIALIZATION", "slow") == 1);
  CHECK(CountEvents(events, "MATERIALIZATION", "after") == 1);
  CHECK(CountEvents(events, "STEP_RETRY", "slow") == 0);
  // One sbatch per step: slow's job was reattached, not submitted again.
  int submitted_slow = 0, submitted_after = 0, reattached = 0;
  for (const Event& e : events) {
    submitted_slow += e.asset == "slow" && e.message.rfind("submitted as Slurm job ", 0) == 0;
    submitted_after += e.asset == "after" && e.message.rfind("submitted as Slurm job ", 0) == 0;
    reattached += e.asset == "slow" &&
                  e.message == "reattached to Slurm job " + job + " (attempt folder " + a1 + ")";
  }
  CHECK(submitted_slow == 1);
  CHECK(submitted_after == 1);
  CHECK(reattached == 1);
  const std::string submitted = "submitted as Slurm job " + job + " (attempt folder " + a1 + ")";
  CHECK(std::count_if(events.begin(), events.end(),
                      [&](const Event& e) { return e.message == submitted; }) == 1);
  CHECK_FALSE(fs::exists(AttemptDir(h, run_id, "slow", 2)));
  // Each log line of the job's events.jsonl is in the run's events exactly once, in order.
  std::vector<std::string> recorded, written;
  for (const Event& e : events)
    if (e.asset == "slow" && e.message.rfind("slept ", 0) == 0) recorded.push_back(e.message);
  for (const std::string& line : Lines(ReadFile(a1 + "/events.jsonl"))) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.IsObject() && d.HasMember("message") && d["message"].IsString())
      written.push_back(d["message"].GetString());
  }
  CHECK(written.size() >= 14);  // 500 ms .. 7500 ms
  CHECK(recorded == written);
  // Stored once each.
  CHECK(ReadFile(h.storage() + "/slow") == "slept");
  CHECK(FilesUnder(h.storage()).size() == 2);

  // Once finished, there is nothing to resume.
  Result again = h.Run({"resume", run_id});
  CHECK(again.exit_code == 2);
  CHECK(again.err == "error: run " + run_id + " has ended (SUCCESS): nothing to resume\n");
}

TEST_CASE("slurm cluster: a job that finished while its host was dead: resume ingests its result, no rerun") {
  RequireCluster();
  Home h;
  h.Manifest(kExecutor +
             "assets:\n"
             "  slow: { type: examples/sleep, config: { ms: 3000, log_every_ms: 500 } }\n"
             "  after: { type: examples/concat, inputs: { a: slow } }\n");
  Child c = h.Start({"--log-format", "json", "materialize", "--all"});
  const std::string run_id = RunIdOf(c, 30);
  const std::string a1 = AttemptDir(h, run_id, "slow", 1);
  REQUIRE(WaitForFile(a1 + "/heartbeat", 60));
  ::kill(c.pid, SIGKILL);
  Wait(c);
  REQUIRE(WaitForFile(a1 + "/result.json", 60));  // the job ended with nobody watching
  const std::string job = Trim(ReadFile(a1 + "/job"));

  Result resume = h.Run({"--log-format", "json", "resume", run_id}, 180);
  INFO(resume.out, resume.err);
  REQUIRE(resume.exit_code == 0);
  CHECK(resume.err.find("still in flight: 'slow' (attempt 1 wrote its result)") !=
        std::string::npos);
  CHECK(Latest(h).status == "SUCCESS");
  const std::vector<Event> events = Events(h.Run({"--log-format", "json", "logs", run_id}).out);
  CHECK(CountEvents(events, "MATERIALIZATION", "slow") == 1);
  CHECK(CountEvents(events, "MATERIALIZATION", "after") == 1);
  int submitted = 0, reattached = 0;
  for (const Event& e : events) {
    submitted += e.message.rfind("submitted as Slurm job ", 0) == 0;
    reattached += e.message == "reattached to Slurm job " + job + " (attempt folder " + a1 + ")";
  }
  CHECK(submitted == 2);  // slow's (before the crash) and after's
  CHECK(reattached == 1);
  CHECK_FALSE(fs::exists(AttemptDir(h, run_id, "slow", 2)));
  std::vector<std::string> recorded;
  for (const Event& e : events)
    if (e.asset == "slow" && e.message.rfind("slept ", 0) == 0) recorded.push_back(e.message);
  CHECK(recorded.size() >= 5);  // 500 ms .. 2500 ms
  CHECK(std::set<std::string>(recorded.begin(), recorded.end()).size() == recorded.size());
  CHECK(ReadFile(h.storage() + "/slow") == "slept");
  CHECK(FilesUnder(h.storage()).size() == 2);
}

TEST_CASE("resume: an unknown run, or one that was not a Slurm run, exits 2 with the reason") {
  Home h;
  h.Manifest("assets:\n  slow: { type: examples/sleep, config: { ms: 20000 } }\n");
  Result unknown = h.Run({"resume", "no-such-run"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "error: no run 'no-such-run'\n");
  // A run on threads whose host died: recovery ends it (nothing of it can be in flight).
  Child c = h.Start({"--log-format", "json", "materialize", "--all"});
  const std::string run_id = RunIdOf(c, 30);
  ::kill(c.pid, SIGKILL);
  Wait(c);
  Result resume = h.Run({"resume", run_id});
  CHECK(resume.exit_code == 2);
  CHECK(resume.err.find("error: run " + run_id + " has ended (FAILED): nothing to resume\n") !=
        std::string::npos);
}

TEST_CASE("slurm cluster: cancel scancels the running job and ends the run CANCELED") {
  RequireCluster();
  Home h;
  h.Manifest(kExecutor + "assets:\n  long: { type: examples/sleep, config: { ms: 120000 } }\n");
  Child c = h.Start({"--log-format", "json", "materialize", "--all", "--grace", "5"});
  const std::string run_id = RunIdOf(c, 30);
  REQUIRE(WaitForFile(AttemptDir(h, run_id, "long", 1) + "/heartbeat", 60));
  ::kill(c.pid, SIGINT);
  Result r = WaitAtMost(c, 60);
  INFO(r.out, r.err);
  CHECK(r.exit_code == 130);
  CHECK(r.seconds < 40);
  const auto events = Events(r.out);
  CHECK(Find(events, "STEP_FAILED", "long")->message == "canceled");
  CHECK(Find(events, "RUN_CANCELED", ""));
  CHECK(NoLiveJobs(run_id));
  CHECK_FALSE(fs::exists(h.storage() + "/long"));
  CHECK(Latest(h).status == "CANCELED");
}

TEST_CASE("slurm cluster: a plugin file changed after the host loaded it fails, not retried") {
  RequireCluster();
  Home h;
  // A private copy of the build's plugins, so that one can be changed.
  const std::string plugins = h.dir.path + "/plugins";
  fs::copy(AF_PLUGIN_DIR, plugins, fs::copy_options::recursive);
  h.Manifest(kExecutor +
             "plugin_dirs: [\"" + plugins + "\"]\n"
             "assets:\n"
             "  first: { type: examples/sleep, config: { ms: 3000 } }\n"
             "  second: { type: examples/concat, inputs: { x: first }, config: { suffix: \"!\" },"
             " retry_policy: { max_retries: 3, delay: 0 } }\n");
  std::vector<std::string> argv = {AF_ASSETFLOW, "--home", h.home(), "--manifest",
                                   h.dir.path + "/m.yaml", "--log-format", "json",
                                   "materialize", "--all"};
  Child c = Spawn(argv, h.dir.path + "/tamper.out", h.dir.path + "/tamper.err");
  const std::string run_id = RunIdOf(c, 30);
  // The first step's worker loaded the plugins (its checks passed): the plugin reports progress.
  const std::string records = AttemptDir(h, run_id, "first", 1) + "/events.jsonl";
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ReadFile(records).find("\"progress\"") == std::string::npos &&
         std::chrono::steady_clock::now() < end)
    ::usleep(20000);
  REQUIRE(ReadFile(records).find("\"progress\"") != std::string::npos);
  std::string so;
  for (const auto& e : fs::directory_iterator(plugins))
    if (e.path().filename().string().find("examples") != std::string::npos &&
        e.path().extension() == ".so")
      so = e.path().string();
  REQUIRE_FALSE(so.empty());
  std::ofstream(so, std::ios::app) << "tampered";
  Result r = WaitAtMost(c, 120);
  INFO(r.out, r.err);
  CHECK(r.exit_code == 1);
  const auto events = Events(r.out);
  CHECK(CountEvents(events, "MATERIALIZATION", "first") == 1);
  auto failed = Find(events, "STEP_FAILED", "second");
  REQUIRE(failed);
  CHECK(failed->attempts == 1);
  CHECK(failed->message.find("plugin file '" + so + "' is not the one the host loaded (sha256 ") == 0);
  CHECK(CountEvents(events, "STEP_RETRY", "second") == 0);
  CHECK_FALSE(fs::exists(h.storage() + "/second"));
}

namespace {

// A spec for examples/constant stored by fs_io under `storage`, as the host would write it.
std::string ConstantSpec(const std::string& home, const std::string& storage) {
  const std::string examples = std::string(AF_PLUGIN_DIR) + "/examples.so";
  const std::string fs_io = std::string(AF_PLUGIN_DIR) + "/fs_io.so";
  return R"({"run_id":"11111111-2222-3333-4444-555555555555","step_key":"c","attempt":1,)"
         R"("asset_key":"c","definition":"examples/constant","config":{"value":"v","repeat":1},)"
         R"("io":{"resource":"io_manager","type":"fs_io/fs_io_manager","config":{"base_dir":")" +
         storage + R"("}},"inputs":[],"plugins":[{"name":"examples","path":")" + examples +
         R"(","sha256":")" + Sha256Hex(ReadFile(examples)) + R"("},{"name":"fs_io","path":")" +
         fs_io + R"(","sha256":")" + Sha256Hex(ReadFile(fs_io)) + R"("}],"home":")" + home +
         R"("})";
}

Result RunWorker(const std::string& dir, const std::string& tag) {
  return WaitAtMost(Spawn({AF_ASSETFLOW, "worker", "run-step", dir + "/spec.json", "--attempt-dir", dir},
                          dir + "/" + tag + ".out", dir + "/" + tag + ".err"),
                    60);
}

}  // namespace

TEST_CASE("worker files: an attempt claims before storing; a fenced one stores nothing") {
  TempDir t("af_slurm_worker");
  const std::string storage = t.path + "/storage";
  const std::string spec = ConstantSpec(t.path + "/home", storage);
  SUBCASE("unfenced: claim, heartbeat, records, result, and the staged output") {
    const std::string dir = t.path + "/a1";
    fs::create_directories(dir);
    std::ofstream(dir + "/spec.json") << spec;
    Result r = RunWorker(dir, "w");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(ReadFile(dir + "/claim").rfind("worker ", 0) == 0);
    CHECK(fs::exists(dir + "/heartbeat"));
    const std::string result = ReadFile(dir + "/result.json");
    CHECK(result.rfind(R"({"record":"output","data_version":")" + Sha256Hex("v") + "\"", 0) == 0);
    CHECK(result.find(R"("staged":true)") != std::string::npos);
    // The ending record is also the last line of events.jsonl.
    const auto lines = Lines(ReadFile(dir + "/events.jsonl"));
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.back() + "\n" == result);
    CHECK_FALSE(fs::exists(dir + "/result.json.tmp"));
  }
  SUBCASE("fenced by the host first: the output is aborted, nothing staged") {
    const std::string dir = t.path + "/a1";
    fs::create_directories(dir);
    std::ofstream(dir + "/spec.json") << spec;
    std::ofstream(dir + "/claim") << "host\n";
    Result r = RunWorker(dir, "w");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(ReadFile(dir + "/claim") == "host\n");
    CHECK(ReadFile(dir + "/result.json") ==
          R"({"record":"failure","status":"AF_ERR_FATAL","message":"attempt 1 was superseded (the host gave up on it); its output was discarded"})"
          "\n");
    CHECK(FilesUnder(storage).empty());  // neither the output nor a staged or temp file
  }
}
