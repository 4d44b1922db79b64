#include "eventlog/schema.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "eventlog/event_log.h"
#include "eventlog/sqlite_db.h"
#include "eventlog/test_util.h"

namespace af {

TEST_CASE("The expected schema objects are exactly what the migrations create") {
  auto db = SqliteDb::Open(":memory:");
  REQUIRE(db.ok());
  REQUIRE(MigrateSchema(**db).ok());
  CHECK(SchemaObjects(**db) == ExpectedSchemaObjects());
  CHECK(ExpectedSchemaObjects().size() == 13);
}

TEST_CASE("Migrations bring v0 and v1 databases up to date, once") {
  TempHome temp;
  SUBCASE("v0: a database file without a schema_version table") {
    const std::string home = temp.path();
    {
      auto db = SqliteDb::Open(home + "/assetflow.db");
      REQUIRE(db.ok());
      REQUIRE((*db)->Exec("CREATE TABLE unrelated (x INTEGER)").ok());
    }
    OpenTestLog(home);
    CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == LatestSchemaVersion());
    CHECK(QueryInt(home, "SELECT COUNT(*) FROM unrelated") == 0);
  }
  SUBCASE("v1: materializations without config_json keep their rows") {
    const std::string home = temp.path();
    {
      auto db = SqliteDb::Open(home + "/assetflow.db");
      REQUIRE(db.ok());
      REQUIRE(MigrateSchema(**db, 1).ok());
      REQUIRE((*db)->Exec(
          "INSERT INTO materializations (asset_key, run_id, time_ms, data_version, code_version,"
          " config_hash, upstream_json, metadata_json) VALUES ('a', 'old-run', 5, 'dv', '1',"
          " 'ch', '{\"u\":\"uv\"}', '[{\"key\":\"k\",\"type\":\"int\",\"value\":\"7\"}]')").ok());
    }
    CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == 1);
    for (int reopen = 0; reopen < 2; ++reopen) {
      auto log = OpenTestLog(home);
      auto m = log->LatestMaterialization("a");
      REQUIRE(m);
      CHECK(m->run_id == "old-run");
      CHECK(m->data_version == "dv");
      CHECK(m->upstream_data_versions == std::map<std::string, std::string>{{"u", "uv"}});
      REQUIRE(m->metadata.size() == 1);
      CHECK(m->metadata[0].value == "7");
      CHECK(m->config_json == "");
    }
    CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == LatestSchemaVersion());
    CHECK(QueryInt(home, "SELECT COUNT(*) FROM schema_version") == LatestSchemaVersion());
  }
  SUBCASE("a database from a newer assetflow is refused") {
    const std::string home = temp.path();
    OpenTestLog(home);
    {
      auto db = SqliteDb::Open(home + "/assetflow.db");
      REQUIRE(db.ok());
      REQUIRE((*db)->Exec("INSERT INTO schema_version VALUES (99, 0)").ok());
    }
    auto log = EventLog::Open(home);
    REQUIRE_FALSE(log.ok());
    CHECK(log.status().message() ==
          home + "/assetflow.db has schema version 99, newer than this assetflow knows (" +
              std::to_string(LatestSchemaVersion()) + "); use a newer assetflow");
  }
}

}  // namespace af
