#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

extern "C" const af_plugin_entry* assetflow_plugin_entry(void);

using assetflow::testing::AssetRun;

TEST_CASE("examples: the plugin entry lists every definition in order") {
  const af_plugin_entry* e = assetflow_plugin_entry();
  REQUIRE(e != nullptr);
  CHECK(std::string(e->name) == "examples");
  REQUIRE(e->asset_count == 11);
  const char* names[] = {"constant", "concat",  "fail",  "noop",         "sleep",
                         "bytes",    "throws",  "failure", "leaky", "observe_file",
                         "versioned_constant"};
  for (uint32_t i = 0; i < 11; ++i) CHECK(std::string(e->assets[i]->name) == names[i]);
  for (uint32_t i = 0; i < 11; ++i)
    CHECK(e->assets[i]->flags == (i == 9 ? AF_ASSET_OBSERVABLE : 0u));
  CHECK(e->assets[3]->config_schema == nullptr);  // noop takes no config
}

TEST_CASE("examples/leaky quotes its secrets in a log, a warning, metadata and its error") {
  auto ok = AssetRun(assetflow_plugin_entry(), "leaky")
                .config(R"({"api_key":"k3y","password":"pw"})")
                .materialize();
  CHECK(ok.status == AF_OK);
  CHECK(ok.output == "ok");
  REQUIRE(ok.logs.size() == 2);
  CHECK(ok.logs[0].second == "using api key k3y");
  CHECK(ok.logs[1].first == AF_LOG_WARNING);
  CHECK(ok.logs[1].second == "password is pw");
  REQUIRE(ok.find("credentials") != nullptr);
  CHECK(ok.find("credentials")->value == "k3y:pw");
  auto failed = AssetRun(assetflow_plugin_entry(), "leaky")
                    .config(R"({"api_key":"k3y","fail":true})")
                    .materialize();
  CHECK(failed.status == AF_ERR_RETRYABLE);
  CHECK(failed.error == "rejected key k3y");
  CHECK(failed.output.empty());
}

TEST_CASE("examples/constant repeats its value and reports the length") {
  AssetRun run(assetflow_plugin_entry(), "constant");
  auto r = run.config(R"({"value":"ab","repeat":3})").materialize();
  CHECK(r.status == AF_OK);
  CHECK(r.output == "ababab");
  REQUIRE(r.find("length") != nullptr);
  CHECK(r.find("length")->type == AF_META_INT);
  CHECK(r.find("length")->value == "6");

  auto d = AssetRun(assetflow_plugin_entry(), "constant").materialize();  // defaults
  CHECK(d.status == AF_OK);
  CHECK(d.output == "");
  CHECK(d.find("length")->value == "0");
}

TEST_CASE("examples/concat joins inputs in name order with separator and suffix") {
  AssetRun run(assetflow_plugin_entry(), "concat");
  run.input("b", "second").input("a", "first");
  auto r = run.materialize();
  CHECK(r.status == AF_OK);
  CHECK(r.output == "first\nsecond\n");
  auto s = run.config(R"({"separator":",","suffix":"!"})").materialize();
  CHECK(s.output == "first,second,!");
  CHECK(AssetRun(assetflow_plugin_entry(), "concat").config(R"({"suffix":"x"})").materialize().output ==
        "x");
}

TEST_CASE("examples/fail fails as configured and succeeds from succeed_on_attempt") {
  AssetRun run(assetflow_plugin_entry(), "fail");
  auto r = run.materialize();
  CHECK(r.status == AF_ERR_FATAL);
  CHECK(r.error == "failed on purpose");
  CHECK(r.output == "");

  run.config(R"({"mode":"retryable","message":"try again","succeed_on_attempt":3})");
  run.harness().attempt = 2;
  r = run.materialize();
  CHECK(r.status == AF_ERR_RETRYABLE);
  CHECK(r.error == "try again");
  run.harness().attempt = 3;
  r = run.materialize();
  CHECK(r.status == AF_OK);
  CHECK(r.output == "ok");
  run.harness().attempt = 4;
  CHECK(run.materialize().output == "ok");
}

TEST_CASE("examples/throws and examples/failure: the C++ layer's statuses for exceptions") {
  struct Case {
    const char* definition;
    const char* config;
    af_status status;
    const char* error;
  };
  const Case kCases[] = {
      // An ordinary exception is retryable, as Dagster retries any exception.
      {"throws", "{}", AF_ERR_RETRYABLE, "thrown on purpose"},
      {"throws", R"({"message":"disk hiccup"})", AF_ERR_RETRYABLE, "disk hiccup"},
      // Failure(message, allow_retries=false) is the plugin's "do not retry".
      {"failure", "{}", AF_ERR_FATAL, "failed on purpose"},
      {"failure", R"({"allow_retries":true,"message":"later"})", AF_ERR_RETRYABLE, "later"},
      // From succeed_on_attempt on, both write "ok".
      {"throws", R"({"succeed_on_attempt":1})", AF_OK, ""},
      {"failure", R"({"succeed_on_attempt":1})", AF_OK, ""},
  };
  for (const Case& c : kCases) {
    INFO(c.definition << " " << c.config);
    auto r = AssetRun(assetflow_plugin_entry(), c.definition).config(c.config).materialize();
    CHECK(r.status == c.status);
    CHECK(r.error == c.error);
    CHECK(r.output == (c.status == AF_OK ? "ok" : ""));
  }
  AssetRun later(assetflow_plugin_entry(), "throws");
  later.config(R"({"succeed_on_attempt":3})").harness().attempt = 2;
  CHECK(later.materialize().status == AF_ERR_RETRYABLE);
  later.harness().attempt = 3;
  CHECK(later.materialize().output == "ok");
}

TEST_CASE("examples/noop writes nothing") {
  auto r = AssetRun(assetflow_plugin_entry(), "noop").materialize();
  CHECK(r.status == AF_OK);
  CHECK(r.output.empty());
  CHECK(r.metadata.empty());
}

TEST_CASE("examples/sleep sleeps, reports progress and stops on cancel") {
  AssetRun run(assetflow_plugin_entry(), "sleep");
  // Progress every 10 ms: 300 ms leave room for three reports even when a loaded machine
  // oversleeps each 10 ms nap several times over.
  run.config(R"({"ms":300})");
  auto start = std::chrono::steady_clock::now();
  auto r = run.materialize();
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  CHECK(r.status == AF_OK);
  CHECK(r.output == "slept");
  CHECK(r.progress_calls >= 3);
  CHECK(r.progress_done == 300);
  CHECK(r.progress_total == 300);

  run.config(R"({"ms":60000})");
  std::thread canceler([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    run.harness().canceled = 1;
  });
  start = std::chrono::steady_clock::now();
  r = run.materialize();
  canceler.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(r.status == AF_ERR_CANCELED);
  CHECK(r.output == "");
}

TEST_CASE("examples/bytes writes the i % 251 pattern in chunks") {
  AssetRun run(assetflow_plugin_entry(), "bytes");
  CHECK(run.materialize().output.empty());
  auto r = run.config(R"({"size":1000,"chunk":300})").materialize();
  CHECK(r.status == AF_OK);
  REQUIRE(r.output.size() == 1000);
  bool pattern = true;
  for (std::size_t i = 0; i < r.output.size(); ++i)
    pattern = pattern && static_cast<unsigned char>(r.output[i]) == i % 251;
  CHECK(pattern);
  CHECK(r.progress_calls == 4);
  CHECK(r.progress_done == 1000);

  run.harness().canceled = 1;
  r = run.materialize();
  CHECK(r.status == AF_ERR_CANCELED);
  CHECK(r.output.empty());
}

TEST_CASE("examples/versioned_constant: its data version is the configured one") {
  AssetRun run(assetflow_plugin_entry(), "versioned_constant");
  auto r = run.config(R"({"value":"x","version":"v7"})").materialize();
  CHECK(r.status == AF_OK);
  CHECK(r.output == "x");
  CHECK(r.data_version == "v7");
}

TEST_CASE("examples/observe_file: observes size and mtime, writes nothing") {
  AssetRun run(assetflow_plugin_entry(), "observe_file");
  auto r = run.config(R"({"path":"/nonexistent/af"})").materialize();
  CHECK(r.status == AF_ERR_NOT_FOUND);
  CHECK(r.error == "cannot observe '/nonexistent/af': No such file or directory");
  auto ok = run.config(R"({"path":"/dev/null"})").materialize();
  CHECK(ok.status == AF_OK);
  CHECK(ok.output.empty());
  CHECK(ok.data_version.rfind("size 0, mtime ", 0) == 0);
}
