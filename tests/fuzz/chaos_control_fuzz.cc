// libFuzzer target for tern-chaos-proxy's pure code: everything that reads bytes an operator or
// a script sends (control requests, the config file, link addresses) and the Shaper.
//
// Each input is read three ways:
//   - as control-port traffic: RESP requests (node/resp's parser with the control port's
//     limits), each parsed with parse_control_command and, when valid, applied with
//     apply_to_faults; an error must read "ERR ...";
//   - as a config file (merge_config_text) and as one --link value (parse_link_spec);
//   - as a program for a Shaper (push, advance the clock, change the faults, take, discard),
//     checking that bytes leave in the order they came, none twice and none invented, that
//     buffered_bytes() adds up, that next_release() is never in the past, and that once the
//     program ends everything still queued leaves in a bounded number of steps.
//
//   cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DTERN_FUZZ=ON \
//     -DCMAKE_BUILD_TYPE=Debug && cmake --build build/fuzz --target tern_fuzz_chaos_control
//   cp -r tests/fuzz/corpus/chaos_control /tmp/corpus && build/fuzz/tern_fuzz_chaos_control
//   /tmp/corpus
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/control_command.h"
#include "chaos/link_spec.h"
#include "chaos/proxy_options.h"
#include "chaos/shaper.h"
#include "node/resp/request_parser.h"

namespace tern::chaos {
namespace {

using std::chrono::milliseconds;

const Instant kStart = Instant{} + std::chrono::hours(1);

void require(bool condition) {
  if (!condition) std::abort();
}

void run_as_control_traffic(std::string_view input) {
  node::resp::ParserLimits limits;
  limits.max_bulk_len = 64 * 1024;
  limits.max_query_buffer = 1024 * 1024;
  limits.max_multibulk_len = 64;
  node::resp::RequestParser parser(limits);
  parser.feed(input);
  std::vector<std::string_view> args;
  LinkFaults faults;
  while (parser.next(args) == node::resp::RequestParser::Status::kCommand) {
    auto command = parse_control_command(args);
    if (command.ok()) {
      faults = apply_to_faults(faults, command.value(), kStart);
      for (const Direction d : kBothDirections) require(faults.of(d).jitter <= faults.of(d).delay);
    } else {
      require(command.error().starts_with("ERR "));
    }
  }
}

class ShaperProgram {
 public:
  explicit ShaperProgram(std::string_view input) : input_(input) {}

  void run() {
    while (position_ < input_.size()) step();
    drain();
  }

 private:
  std::uint8_t next() { return position_ < input_.size() ? input_[position_++] : 0; }

  void step() {
    switch (next() % 6) {
      case 0: {  // push a chunk of numbered bytes
        const std::size_t length = next() + 1u;
        std::string chunk;
        for (std::size_t i = 0; i < length; ++i) chunk.push_back(static_cast<char>(pushed_++));
        shaper_.push(now_, chunk);
        break;
      }
      case 1:
        now_ += milliseconds(next());
        break;
      case 2: {
        DirectionFaults faults;
        faults.delay = milliseconds(next());
        faults.jitter = milliseconds(next() % (faults.delay.count() + 1));
        faults.bytes_per_second = next() * 1000u;
        const auto stall = milliseconds(next() % 64);
        const auto period = milliseconds(next());
        faults.stall = StallSchedule{now_, stall, period > stall ? period : milliseconds(0)};
        shaper_.set_faults(faults, now_);
        break;
      }
      case 3:
        take(next() + 1u);
        break;
      case 4:
        if (next() % 8 == 0) {
          discarded_ += shaper_.discard();
          expected_ = pushed_;
        }
        break;
      default: {
        const auto release = shaper_.next_release(now_);
        require(release.has_value() == !shaper_.empty());
        if (release) require(*release >= now_);
        break;
      }
    }
    require(shaper_.buffered_bytes() == pushed_ - taken_ - discarded_);
  }

  std::size_t take(std::size_t max_bytes) {
    std::string out;
    const std::size_t count = shaper_.take(now_, max_bytes, out);
    require(count == out.size() && count <= max_bytes);
    for (const char c : out) require(static_cast<std::uint8_t>(c) == (expected_++ & 0xff));
    taken_ += count;
    return count;
  }

  void drain() {
    // The slowest program: 1,000 bytes/s and 20 ms buckets, a few bytes per step.
    for (int steps = 0; steps < 1'000'000 && !shaper_.empty(); ++steps) {
      now_ = std::max(now_, *shaper_.next_release(now_));
      if (take(1 << 16) == 0) now_ += std::chrono::microseconds(100);  // as the edge retries
    }
    require(shaper_.empty());
  }

  std::string_view input_;
  std::size_t position_ = 0;
  Shaper shaper_{1};
  Instant now_ = kStart;
  std::uint64_t pushed_ = 0;
  std::uint64_t taken_ = 0;
  std::uint64_t discarded_ = 0;
  std::uint64_t expected_ = 0;  // the number of the next byte to leave
};

}  // namespace
}  // namespace tern::chaos

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tern::chaos;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  run_as_control_traffic(input);
  (void)merge_config_text(ProxyOptions{}, input);
  (void)parse_link_spec(input);
  ShaperProgram(input.substr(0, 4096)).run();
  return 0;
}
