// RecordTail over a file appended to in pieces, as a worker on shared storage writes it.
#include "slurm/record_tail.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <vector>

namespace af {
namespace {

struct Collect : StepRecordSink {
  std::vector<std::string> seen;
  void OnRecord(const StepRecord& r) override {
    seen.push_back((r.kind == StepRecord::Kind::kLog ? "log:" + r.message
                                                     : "progress:" + std::to_string(r.done)) +
                   "@" + std::to_string(r.sequence));
  }
};

TEST_CASE("complete lines once, a partial last line later, the ending record skipped") {
  char dir[] = "/tmp/af-tail-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/events.jsonl";
  auto append = [&](const std::string& text) { std::ofstream(path, std::ios::app) << text; };
  RecordTail tail(path);
  Collect c;
  tail.Read(c);  // no file yet
  CHECK(c.seen.empty());
  append(R"({"record":"log","level":"INFO","message":"one"})" "\n"
         R"({"record":"progress","done":3,"total":9})" "\n"
         R"({"record":"log","level":"INFO","mes)");
  tail.Read(c);
  CHECK(c.seen == std::vector<std::string>{"log:one@1", "progress:3@2"});
  CHECK(tail.lines() == 2);
  tail.Read(c);  // nothing new: the partial line waits
  CHECK(c.seen.size() == 2);
  append(R"(sage":"two"})" "\n"
         R"({"record":"output","data_version":"abc","bytes":1})" "\n"
         "not json\n"
         "also not json\n");
  tail.Read(c);
  CHECK(c.seen == std::vector<std::string>{
                      "log:one@1", "progress:3@2", "log:two@3",
                      "log:the worker wrote an invalid record (record is not a JSON object)@0"});
  CHECK(tail.lines() == 6);
  std::system((std::string("rm -rf ") + dir).c_str());
}

TEST_CASE("a reattached tail skips the lines a dead host ingested, and numbers the rest") {
  char dir[] = "/tmp/af-tail-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/events.jsonl";
  std::ofstream(path) << R"({"record":"log","level":"INFO","message":"one"})" "\n"
                      << R"({"record":"progress","done":3,"total":9})" "\n"
                      << R"({"record":"log","level":"INFO","message":"two"})" "\n";
  RecordTail tail(path, /*skip=*/2);
  Collect c;
  tail.Read(c);
  CHECK(c.seen == std::vector<std::string>{"log:two@3"});
  std::ofstream(path, std::ios::app) << R"({"record":"log","level":"INFO","message":"three"})" "\n";
  tail.Read(c);
  CHECK(c.seen == std::vector<std::string>{"log:two@3", "log:three@4"});
  CHECK(tail.lines() == 4);
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace af
