// AWS credentials and settings, found the way the AWS SDKs find them: the environment first
// (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), then the profile
// (AWS_PROFILE, or the one named in the resource config, else "default") of the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials) and then of the
// config file (AWS_CONFIG_FILE, default ~/.aws/config, where a profile's section is
// "[profile NAME]" and the default's is "[default]").
//
// The secret lives only in a Credentials value: never in a message, never logged.
#ifndef ASSETFLOW_PLUGINS_S3_IO_CREDENTIALS_H
#define ASSETFLOW_PLUGINS_S3_IO_CREDENTIALS_H

#include <map>
#include <string>

namespace s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" unless temporary credentials
  // Where they came from, for messages: "environment" or "profile 'x' of /root/.aws/credentials".
  std::string source;
};

// Settings of one profile, from both files (the credentials file wins for a key in both).
struct Profile {
  std::string name;
  std::map<std::string, std::string> values;  // aws_access_key_id, region, endpoint_url, ...
  std::string credentials_file, config_file;  // the paths that were read
  bool found = false;                          // a section for it exists in either file
};

// The profile `name` ("" = $AWS_PROFILE, else "default"). Missing files are no error; a file
// that does not parse is (std::runtime_error naming it and the line).
Profile LoadProfile(const std::string& name);

// Credentials for `profile` as above; std::runtime_error saying where they were looked for when
// there are none (or only half of a key pair).
Credentials FindCredentials(const Profile& profile);

}  // namespace s3

#endif
