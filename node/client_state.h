#pragma once
// ClientState: everything a connection carries that commands read or change (selected
// database, protocol, name, authentication, MULTI queue, WATCHed keys, subscriptions) and
// its pending output. It has no socket: the Asio connection (node/connection.h) owns one
// and flushes `output`; commands and tests only ever see this.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tern::node {

struct ClientState {
  std::uint64_t id = 0;
  std::string name;
  std::string address;        // "ip:port" of the peer
  std::string local_address;  // "ip:port" we accepted on
  std::uint32_t db = 0;
  int protocol = 2;
  bool authenticated = false;
  bool close_after_reply = false;  // QUIT, CLIENT KILL, protocol errors
  bool no_evict = false;           // CLIENT NO-EVICT (recorded; tern never evicts clients)
  int fd = -1;
  std::size_t query_buffer_bytes = 0;  // unparsed input held (CLIENT LIST qbuf)
  std::uint64_t created_ms = 0;
  std::uint64_t last_interaction_ms = 0;
  std::string last_command = "NULL";

  // MULTI/EXEC: queued commands (owned copies), and whether EXEC must abort.
  bool in_multi = false;
  bool multi_error = false;  // a queued command was rejected (EXECABORT)
  bool dirty_cas = false;    // a WATCHed key changed
  std::vector<std::vector<std::string>> queued;
  std::vector<std::pair<std::uint32_t, std::string>> watched;

  std::set<std::string> channels;
  std::set<std::string> patterns;
  [[nodiscard]] std::size_t subscription_count() const { return channels.size() + patterns.size(); }

  // Replies waiting to be written. `wake` asks the connection to flush when output arrives
  // from outside the client's own request (a PUBLISH from another client).
  std::string output;
  std::function<void()> wake;
  // In a region with region-ack quorum: the log index the client's last write was proposed at.
  // Its replies are held (not written) until the region has committed that index, so a reply
  // never acknowledges a write a majority does not have.
  std::uint64_t wait_for_commit = 0;
  std::uint64_t last_proposed_index = 0;  // the region log entry of this client's last write
  // A write sent to the region's leader (a follower forwards it): no further request of this
  // client runs until its reply arrives; then `resume` continues with the next one.
  bool blocked = false;
  std::function<void()> resume;
};

}  // namespace tern::node
