#pragma once
// The request line and headers of an HTTP/1.x request, read sans-I/O: enough for the metrics
// endpoint (GET /metrics), which answers one request per connection and closes it.
#include <cstddef>
#include <string>
#include <string_view>

namespace tern::node {

struct HttpRequestHead {
  enum class Status {
    kIncomplete,  // feed more bytes
    kComplete,    // method and path are set
    kBad,         // not an HTTP/1.x request line: answer 400 and close
    kTooLarge,    // the head passed the limit before it ended: answer 431 and close
  };
  Status status = Status::kIncomplete;
  std::string method;
  std::string path;  // without the query string
};

// Looks at everything received so far on the connection. `max_head_bytes` bounds the request
// line and headers together.
HttpRequestHead parse_http_request_head(std::string_view received, std::size_t max_head_bytes = 8192);

}  // namespace tern::node
