// Staleness with secret config: a changed secret is a change, named without its value; the
// record holds it masked; a record from before masking (secret in clear) is never printed.
#include <doctest/doctest.h>

#include <memory>

#include "staleness/staleness_fixture.h"

namespace af {
namespace {

using testing::Fixture;
using testing::kV1;

void Configure(AssetDef& def, const std::string& json) {
  def.config_json = json;
  def.config_keys =
      std::make_shared<const ConfigKeys>(ConfigKeys{.unversioned = {}, .secret = {"api_key"}});
}

}  // namespace

TEST_CASE("a rotated secret makes the asset STALE; the cause and the record never hold it") {
  Fixture f({{.key = "a"}});
  Configure(f.def("a"), R"({"api_key":"AKIA-old-secret","n":1,"url":"https://u:pw77@h/"})");
  f.Materialize("a", kV1);
  const MaterializationRecord last = *f.log->LatestMaterialization("a");
  CHECK(last.config_json == R"({"api_key":"***","n":1,"url":"https://***@h/"})");
  CHECK(last.config_hash ==
        Sha256Hex(R"({"api_key":"AKIA-old-secret","n":1,"url":"https://u:pw77@h/"})"));
  CHECK(f.State("a") == "FRESH");

  SUBCASE("the secret changes") {
    Configure(f.def("a"), R"({"api_key":"AKIA-new-secret","n":1,"url":"https://u:pw77@h/"})");
    CHECK(f.Causes("a") == "config changed: a secret value (hash " + last.config_hash.substr(0, 8) +
                               " -> " +
                               Sha256Hex(R"({"api_key":"AKIA-new-secret","n":1,"url":"https://u:pw77@h/"})")
                                   .substr(0, 8) +
                               ")\n");
  }
  SUBCASE("URL credentials change") {
    Configure(f.def("a"), R"({"api_key":"AKIA-old-secret","n":1,"url":"https://u:pw88@h/"})");
    CHECK(f.State("a") == "STALE");
    CHECK(f.Causes("a").rfind("config changed: a secret value (hash ", 0) == 0);
  }
  SUBCASE("another key changes: named, with the secrets still masked") {
    Configure(f.def("a"), R"({"api_key":"AKIA-old-secret","n":2,"url":"https://u:pw77@h/"})");
    CHECK(f.Causes("a") == "config changed: key 'n' 1 -> 2\n");
  }
}

TEST_CASE("a record from before masking: compared by its values, never printed") {
  Fixture f({{.key = "a"}});
  const std::string clear = R"({"api_key":"AKIA-old-secret","n":1})";
  MaterializationRecord m;
  m.asset_key = "a";
  m.run_id = "old";
  m.data_version = kV1;
  m.config_json = clear;  // what an assetflow without masking recorded
  m.config_hash = Sha256Hex(clear);
  REQUIRE(f.log->RecordMaterialization(m).ok());
  Configure(f.def("a"), clear);
  CHECK(f.State("a") == "FRESH");
  Configure(f.def("a"), R"({"api_key":"AKIA-new-secret","n":1})");
  CHECK(f.Causes("a").rfind("config changed: a secret value (hash ", 0) == 0);
  Configure(f.def("a"), R"({"api_key":"AKIA-old-secret","n":3})");
  CHECK(f.Causes("a") == "config changed: key 'n' 1 -> 3\n");
}

}  // namespace af
