// A hostile Hacker News API for the catalog: a real HTTP server (cpp-httplib) on a free port of
// 127.0.0.1, serving /<scenario>/v0/topstories.json and /<scenario>/v0/item/<id>.json with
// what a broken or malicious server sends, and a socket that accepts connections but never
// answers.
#ifndef TESTS_HOSTILE_HOSTILE_SERVER_H
#define TESTS_HOSTILE_HOSTILE_SERVER_H

#include <memory>
#include <string>

namespace hostile {

// Scenarios (the first path segment):
//   ok        two valid stories
//   utf8      titles and authors with invalid UTF-8 (stray continuation, truncated, overlong)
//   nul       a title with an escaped NUL (\u0000) in the middle
//   s429      every request: 429 with Retry-After: 60
//   s500      every request: 500
//   notfound  every request: 404
//   garbage   topstories is not JSON
//   negative  topstories holds a negative id
//   wrongid   item 1 answers with the id 2
//   wrongtype item 1's title is a number
//   big       topstories is 4 KiB of valid JSON (for a small max_topstories_bytes)
//   trickle   topstories sends its first byte, then one byte a second
class Server {
 public:
  Server();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // "http://127.0.0.1:<port>/<scenario>/v0", a base_url for hackernews/top_stories.
  std::string url(const std::string& scenario) const;
  // "http://127.0.0.1:<port>/v0" of a socket that is listening but never accepts or answers.
  std::string silent_url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hostile

#endif
