// HTTP/2 connections of hn-replay: an nghttp2 server session driven on the connection's own Asio
// loop, answering from the same Service (routes, faults, counters) and waiting out --latency-ms in
// the same Loop FIFO as the HTTP/1.1 sessions of main.cc.
//
// Contract: the session owns the stream until the connection ends (peer hang-up, idle 30 s, or a
// protocol error answered with GOAWAY). At most --max-streams streams are open at once
// (SETTINGS_MAX_CONCURRENT_STREAMS); a request's headers and body are not kept beyond :method and
// :path (≤ 8 KiB), and no more is read while a write is pending, so a client cannot make the
// server buffer unbounded data. A dropped request (--drop-rate) is a RST_STREAM of that stream
// only: the connection's other streams go on, as on a real multiplexed connection.
#ifndef HN_REPLAY_H2_SESSION_H
#define HN_REPLAY_H2_SESSION_H

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <string_view>

#include "service.h"

namespace hn_replay {

// h2c by prior knowledge: `received` holds what was already read (at least the preface).
void serve_h2(boost::beast::tcp_stream stream, std::string_view received, ConnectionCount count, Service& svc,
              Loop& loop);
// h2 over TLS, after a handshake whose ALPN picked "h2".
void serve_h2(boost::beast::ssl_stream<boost::beast::tcp_stream> stream, ConnectionCount count, Service& svc,
              Loop& loop);

// The client connection preface (RFC 9113 §3.4) that opens every HTTP/2 connection.
inline constexpr std::string_view kH2Preface{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24};

}  // namespace hn_replay

#endif
