#include "s3_io/credentials.h"

#include <ini.h>

#include <cstdlib>
#include <stdexcept>

namespace s3 {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string HomeFile(const char* env_override, const char* relative) {
  std::string path = Env(env_override);
  if (!path.empty()) return path;
  const std::string home = Env("HOME");
  return home.empty() ? "" : home + "/" + relative;
}

struct Reading {
  std::string section;  // the section that holds the profile in this file
  Profile* profile;
};

// inih calls this once per `name = value`; a nested block (`s3 =` then indented lines) comes as
// repeated calls for one name, of which only the first is a value of the profile. A value
// already there stays: the file read first wins.
int OnValue(void* user, const char* section, const char* name, const char* value) {
  Reading& r = *static_cast<Reading*>(user);
  if (r.section != section) return 1;
  r.profile->found = true;
  r.profile->values.emplace(name, value);
  return 1;
}

void ReadFile(const std::string& path, const std::string& section, Profile* profile) {
  if (path.empty()) return;
  Reading r{section, profile};
  // Section headers are compared after inih's parse, so "[default]" and "[profile x]" are both
  // plain section names here.
  const int rc = ini_parse(path.c_str(), &OnValue, &r);
  if (rc > 0)
    throw std::runtime_error("cannot parse AWS settings file " + path + " at line " +
                             std::to_string(rc));
}

}  // namespace

Profile LoadProfile(const std::string& name) {
  Profile p;
  p.name = !name.empty() ? name : !Env("AWS_PROFILE").empty() ? Env("AWS_PROFILE") : "default";
  p.credentials_file = HomeFile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  p.config_file = HomeFile("AWS_CONFIG_FILE", ".aws/config");
  // The credentials file first: its values win; the config file fills in the rest.
  ReadFile(p.credentials_file, p.name, &p);
  ReadFile(p.config_file, p.name == "default" ? "default" : "profile " + p.name, &p);
  return p;
}

Credentials FindCredentials(const Profile& profile) {
  Credentials c;
  c.access_key_id = Env("AWS_ACCESS_KEY_ID");
  c.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  if (!c.access_key_id.empty() || !c.secret_access_key.empty()) {
    if (c.access_key_id.empty() || c.secret_access_key.empty())
      throw std::runtime_error(std::string("AWS credentials in the environment are incomplete: ") +
                               (c.access_key_id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                               " is not set");
    c.session_token = Env("AWS_SESSION_TOKEN");
    c.source = "environment";
    return c;
  }
  auto value = [&](const char* key) {
    auto it = profile.values.find(key);
    return it == profile.values.end() ? std::string() : it->second;
  };
  c.access_key_id = value("aws_access_key_id");
  c.secret_access_key = value("aws_secret_access_key");
  c.session_token = value("aws_session_token");
  c.source = "profile '" + profile.name + "'";
  if (!c.access_key_id.empty() && !c.secret_access_key.empty()) return c;
  if (!c.access_key_id.empty() || !c.secret_access_key.empty())
    throw std::runtime_error("AWS " + c.source + " has " +
                             (c.access_key_id.empty() ? "no aws_access_key_id"
                                                      : "no aws_secret_access_key"));
  throw std::runtime_error(
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE to a "
      "profile of " + (profile.credentials_file.empty() ? "~/.aws/credentials" : profile.credentials_file) +
      " or " + (profile.config_file.empty() ? "~/.aws/config" : profile.config_file) + " (profile '" +
      profile.name + "' " + (profile.found ? "has no keys" : "was not found") + ")");
}

}  // namespace s3
