// AWS credentials lookup (plugins/s3_io/credentials.h): environment first, then the profile of
// the credentials file, then of the config file, as the AWS SDKs do.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <fstream>
#include <stdexcept>

#include "s3_io/credentials.h"
#include "support/cli_process.h"

namespace {

struct AwsFiles {
  af_test::TempDir dir{"af_aws"};
  AwsFiles(const std::string& credentials, const std::string& config) {
    std::ofstream(dir.path + "/credentials") << credentials;
    std::ofstream(dir.path + "/config") << config;
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir.path + "/credentials").c_str(), 1);
    ::setenv("AWS_CONFIG_FILE", (dir.path + "/config").c_str(), 1);
    for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"})
      ::unsetenv(v);
  }
  ~AwsFiles() {
    ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    ::unsetenv("AWS_CONFIG_FILE");
    ::unsetenv("AWS_PROFILE");
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
  }
};

const char* kCredentials =
    "# a comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s3cr3t/def\n\n"
    "[work]\naws_access_key_id=AKIAWORK\naws_secret_access_key=work+secret=\naws_session_token = tok\n";
const char* kConfig =
    "[default]\nregion = eu-west-1\n"
    "[profile work]\nregion = us-west-2\naws_access_key_id = AKIAIGNORED\n"
    "s3 =\n  addressing_style = path\n"
    "[profile conly]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c0nfig\n"
    "endpoint_url = http://127.0.0.1:9\n";

}  // namespace

TEST_CASE("s3 credentials: the default profile, then AWS_PROFILE, the credentials file first") {
  AwsFiles files(kCredentials, kConfig);
  s3::Profile p = s3::LoadProfile("");
  CHECK(p.name == "default");
  s3::Credentials c = s3::FindCredentials(p);
  CHECK(c.access_key_id == "AKIADEFAULT");
  CHECK(c.secret_access_key == "s3cr3t/def");
  CHECK(c.source == "profile 'default'");
  CHECK(p.values.at("region") == "eu-west-1");

  ::setenv("AWS_PROFILE", "work", 1);
  p = s3::LoadProfile("");
  c = s3::FindCredentials(p);
  CHECK(c.access_key_id == "AKIAWORK");  // not the config file's
  CHECK(c.secret_access_key == "work+secret=");
  CHECK(c.session_token == "tok");
  CHECK(p.values.at("region") == "us-west-2");
  CHECK(p.values.at("s3") == "");  // a nested block is one empty value, not its lines

  p = s3::LoadProfile("conly");  // a profile named in the resource config wins over AWS_PROFILE
  c = s3::FindCredentials(p);
  CHECK(c.access_key_id == "AKIACONFIG");
  CHECK(p.values.at("endpoint_url") == "http://127.0.0.1:9");
}

TEST_CASE("s3 credentials: the environment wins; half a key pair or none is a clear error") {
  AwsFiles files(kCredentials, kConfig);
  ::setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  s3::Credentials c = s3::FindCredentials(s3::LoadProfile(""));
  CHECK(c.access_key_id == "AKIAENV");
  CHECK(c.source == "environment");

  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  CHECK_THROWS_WITH(s3::FindCredentials(s3::LoadProfile("")),
                    "AWS credentials in the environment are incomplete: AWS_SECRET_ACCESS_KEY is not set");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  CHECK_THROWS_WITH(s3::FindCredentials(s3::LoadProfile("nobody")),
                    ("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE to a "
                     "profile of " + files.dir.path + "/credentials or " + files.dir.path +
                     "/config (profile 'nobody' was not found)").c_str());
}

TEST_CASE("s3 credentials: a file that does not parse names itself and the line") {
  AwsFiles files("[default]\naws_access_key_id = A\nthis line has no equals sign\n", "");
  CHECK_THROWS_WITH(s3::LoadProfile(""), ("cannot parse AWS settings file " + files.dir.path +
                                          "/credentials at line 3").c_str());
}
