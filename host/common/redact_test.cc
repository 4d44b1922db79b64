#include "common/redact.h"

#include <doctest/doctest.h>

namespace af {

TEST_CASE("RedactUrls masks credentials and secret query parameters, nothing else") {
  CHECK(RedactUrls("GET http://user:s3cr3t@127.0.0.1:8080/v0/item/1.json: HTTP 500") ==
        "GET http://***@127.0.0.1:8080/v0/item/1.json: HTTP 500");
  CHECK(RedactUrls("https://TOKEN123@github.com/x") == "https://***@github.com/x");
  CHECK(RedactUrls("http://h/v0/item/1.json?token=abc&count=3&API_KEY=k1#frag") ==
        "http://h/v0/item/1.json?token=***&count=3&API_KEY=***#frag");
  CHECK(RedactUrls("s3://b/k?X-Amz-Signature=deadbeef") == "s3://b/k?X-Amz-Signature=***");
  // Not credentials: an '@' in the path, a mail address, an empty value, an unknown name.
  CHECK(RedactUrls("http://h/users/@me and a@b.c") == "http://h/users/@me and a@b.c");
  CHECK(RedactUrls("http://h/?token=&page=2") == "http://h/?token=&page=2");
  CHECK(RedactUrls("count=500 retries=4") == "count=500 retries=4");

  std::vector<std::string> found;
  RedactUrls("http://u:pw12@h/?secret=zz99", &found);
  CHECK(found == std::vector<std::string>{"u:pw12", "pw12", "zz99"});
}

TEST_CASE("RedactConfigJson masks schema-marked keys and URLs inside any string") {
  std::vector<std::string> found;
  const std::string out = RedactConfigJson(
      R"({"base_url":"http://u:p4ss@h/v0?token=t0k3n","api_key":"AKIA1234","n":3,)"
      R"("nested":{"urls":["https://x:y@z/"]},"pin":1234})",
      {"api_key", "pin", "absent"}, &found);
  CHECK(out ==
        R"({"base_url":"http://***@h/v0?token=***","api_key":"***","n":3,)"
        R"("nested":{"urls":["https://***@z/"]},"pin":"***"})");
  CHECK(found == std::vector<std::string>{"AKIA1234", "1234", "u:p4ss", "p4ss", "t0k3n", "x:y", "y"});
}

TEST_CASE("Redactor masks every spelling of a known secret, longest first") {
  Redactor r;
  r.AddConfig(R"({"url":"http://user:s3cr3t%21@h/?token=t0k3n_x","pw":"se\"cret"})", {"pw"});
  CHECK_FALSE(r.empty());
  // Raw, percent-decoded and JSON-escaped spellings, and a URL rebuilt by a plugin.
  CHECK(r.Redact("password s3cr3t%21 / s3cr3t! in text") == "password *** / *** in text");
  CHECK(r.Redact(R"({"m":"pw se\"cret"})") == R"({"m":"pw ***"})");
  CHECK(r.Redact("pw se\"cret") == "pw ***");
  CHECK(r.Redact("GET http://user:s3cr3t%21@h/item/1.json?token=t0k3n_x: 500 (t0k3n_x)") ==
        "GET http://***@h/item/1.json?token=***: 500 (***)");
  // Short values are masked by shape only.
  Redactor short_values;
  short_values.AddSecret("ab");
  CHECK(short_values.empty());
  CHECK(short_values.Redact("about a tab") == "about a tab");
}

}  // namespace af
