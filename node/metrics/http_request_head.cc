#include "node/metrics/http_request_head.h"

namespace tern::node {

HttpRequestHead parse_http_request_head(std::string_view received, std::size_t max_head_bytes) {
  HttpRequestHead head;
  const std::size_t end = received.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    head.status = received.size() > max_head_bytes ? HttpRequestHead::Status::kTooLarge
                                                   : HttpRequestHead::Status::kIncomplete;
    // A first line that already cannot be a request line is refused without waiting for more.
    const std::size_t line_end = received.find("\r\n");
    if (line_end != std::string_view::npos && received.substr(0, line_end).find(" HTTP/1.") == std::string_view::npos) {
      head.status = HttpRequestHead::Status::kBad;
    }
    return head;
  }
  if (end + 4 > max_head_bytes) {
    head.status = HttpRequestHead::Status::kTooLarge;
    return head;
  }
  const std::string_view line = received.substr(0, received.find("\r\n"));
  // "METHOD SP target SP HTTP/1.x"
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || last_space == first_space || first_space == 0 ||
      line.substr(last_space + 1).rfind("HTTP/1.", 0) != 0) {
    head.status = HttpRequestHead::Status::kBad;
    return head;
  }
  for (char c : line.substr(0, first_space)) {
    if (c < 'A' || c > 'Z') {
      head.status = HttpRequestHead::Status::kBad;
      return head;
    }
  }
  std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  if (target.empty() || target.front() != '/') {
    head.status = HttpRequestHead::Status::kBad;
    return head;
  }
  target = target.substr(0, target.find('?'));
  head.method = std::string(line.substr(0, first_space));
  head.path = std::string(target);
  head.status = HttpRequestHead::Status::kComplete;
  return head;
}

}  // namespace tern::node
