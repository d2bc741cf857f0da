// tern-server's configuration: the redis.conf syntax, load with overrides, CONFIG GET, CONFIG
// SET, CONFIG REWRITE and Settings. Expected texts were taken from redis-server 7.0.15.
#include "node/config/config.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "node/config/config_file.h"
#include "node/config/directive_table.h"
#include "node/config/directive_values.h"
#include "node/config/value_text.h"

namespace tern::node {
namespace {

using Changes = std::vector<std::pair<std::string, std::string>>;

Config load_ok(std::string_view text, const std::vector<std::string>& overrides = {}) {
  auto loaded = Config::load(text, "tern.conf", overrides);
  if (const auto* failure = std::get_if<ConfigError>(&loaded)) {
    FAIL("load failed: " << failure->message);
  }
  return std::get<Config>(std::move(loaded));
}

std::string load_error(std::string_view text, const std::vector<std::string>& overrides = {}) {
  auto loaded = Config::load(text, "tern.conf", overrides);
  const auto* failure = std::get_if<ConfigError>(&loaded);
  REQUIRE_MESSAGE(failure != nullptr, "load of '" << text << "' should have failed");
  return failure->message;
}

// The value CONFIG GET shows for an exact name.
std::string get_value(const Config& config, std::string_view name) {
  const auto found = config.get(name);
  REQUIRE_MESSAGE(found.size() == 1, "no directive " << name);
  return found[0].second;
}

// "" when CONFIG SET succeeded, else its error.
std::string set_error(Config& config, const Changes& changes) {
  const auto failure = config.set(changes);
  return failure ? failure->message : std::string();
}

std::string set_failed(std::string_view name, std::string_view reason) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(reason);
}

std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

// A valid value other than the default for every directive that accepts one: what to give
// CONFIG SET or the file, and what CONFIG GET then shows.
std::pair<std::string, std::string> other_value(const Directive& directive) {
  static const std::map<std::string_view, std::pair<std::string, std::string>> kSpecial = {
      {"bind", {"10.0.0.1 -::1", "10.0.0.1 -::1"}},
      {"client-output-buffer-limit",
       {"pubsub 1mb 2mb 3", "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3"}},
      {"maxmemory-clients", {"10%", "10%"}},
      {"hz", {"20", "20"}},
      {"latency-tracking-info-percentiles", {"50.5000 99.99 100", "50.5 99.99 100"}},
      {"notify-keyspace-events", {"KEA", "AKE"}},
      {"oom-score-adj-values", {"1 2 3", "1 2 3"}},
      {"shutdown-on-sigint", {"force save", "save force"}},
      {"shutdown-on-sigterm", {"NOSAVE now", "nosave now"}},
      {"save", {"900 1 300 10", "900 1 300 10"}},
      {"region-nodes", {"a=10.0.0.1:7000 b=10.0.0.2:7000", "a=10.0.0.1:7000 b=10.0.0.2:7000"}},
      {"peer-regions", {"west/2 w1=10.0.1.1:7000 w2=10.0.1.2:7000;apac/3 a1=10.0.2.1:7000",
                        "west/2 w1=10.0.1.1:7000 w2=10.0.1.2:7000; apac/3 a1=10.0.2.1:7000"}},
      {"replicaof", {"127.0.0.1 6380", "127.0.0.1 6380"}},
      {"region", {"eu-west", "eu-west"}},
      {"node-id", {"node-a", "node-a"}},
  };
  const std::string default_value(directive.default_value);
  switch (directive.kind) {
    case ValueKind::kYesNo:
      return default_value == "yes" ? std::pair{std::string("NO"), std::string("no")}
                                    : std::pair{std::string("Yes"), std::string("yes")};
    case ValueKind::kInteger: {
      const std::int64_t base = canonical_signed(default_value);
      const std::int64_t other =
          (base >= 0 && static_cast<std::uint64_t>(base) + 1 <= directive.max) ? base + 1
                                                                               : base - 1;
      return {std::to_string(other), std::to_string(other)};
    }
    case ValueKind::kMemory: {
      const std::uint64_t base = canonical_unsigned(default_value);
      const std::uint64_t other = base + 1024 <= directive.max ? base + 1024 : base - 1024;
      return {std::to_string(other), std::to_string(other)};
    }
    case ValueKind::kOctal:
      return {"700", "700"};
    case ValueKind::kEnum:
      for (const std::string_view choice : directive.choices) {
        if (choice != directive.default_value)
          return {upper(std::string(choice)), std::string(choice)};
      }
      break;
    case ValueKind::kString:
      return {"some \"value\" here", "some \"value\" here"};
    case ValueKind::kSpecial: {
      const auto found = kSpecial.find(directive.name);
      REQUIRE_MESSAGE(found != kSpecial.end(), "no other value for " << directive.name);
      return found->second;
    }
  }
  FAIL("no other value for " << directive.name);
  return {};
}

// --- the redis.conf syntax ------------------------------------------------------------------

TEST_CASE("config arguments split like sdssplitargs") {
  using Words = std::vector<std::string>;
  CHECK(split_config_arguments("port 6379") == Words{"port", "6379"});
  CHECK(split_config_arguments("  spaced \t out  ") == Words{"spaced", "out"});
  CHECK(split_config_arguments("") == Words{});
  CHECK(split_config_arguments("set \"a b\" 'c d'") == Words{"set", "a b", "c d"});
  CHECK(split_config_arguments("\"\\x41\\n\\t\\q\\\"\"") == Words{"A\n\tq\""});
  CHECK(split_config_arguments("'it\\'s' '\\n'") == Words{"it's", "\\n"});
  CHECK(split_config_arguments("a\"b c\"") == Words{"ab c"});  // a quote may open mid-word
  CHECK(split_config_arguments("\"\"") == Words{""});
  CHECK(split_config_arguments("a # not a comment") == Words{"a", "#", "not", "a", "comment"});
  CHECK_FALSE(split_config_arguments("\"unterminated").has_value());
  CHECK_FALSE(split_config_arguments("'unterminated").has_value());
  CHECK_FALSE(split_config_arguments("\"ab\"c").has_value());  // closing quote needs a blank
  CHECK_FALSE(split_config_arguments("'ab'c").has_value());
}

TEST_CASE("a quoted config argument reads back as the same bytes") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed = " << seed);
  std::mt19937_64 random(seed);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(random() % 12, '\0');
    for (char& c : bytes) c = static_cast<char>(random() % 256);
    const auto words = split_config_arguments("x " + quote_config_argument(bytes));
    REQUIRE(words.has_value());
    REQUIRE(words->size() == 2);
    CHECK((*words)[1] == bytes);
  }
  CHECK(quote_config_argument("a\"b\\c\x01") == "\"a\\\"b\\\\c\\x01\"");
}

TEST_CASE("CONFIG SET values of multi-argument directives split at every single space") {
  using Words = std::vector<std::string>;
  CHECK(split_on_spaces("900 1") == Words{"900", "1"});
  CHECK(split_on_spaces("900  1") == Words{"900", "", "1"});
  CHECK(split_on_spaces("") == Words{});
}

TEST_CASE("command-line options group into directives the way redis-server does") {
  using Words = std::vector<std::string>;
  const auto grouped =
      group_command_line_options({"--port", "7000", "--save", "--bind", "127.0.0.1", "-::1",
                                  "--requirepass", "--odd", "--maxmemory 1gb", "--save"});
  REQUIRE(grouped.size() == 6);
  CHECK(*grouped[0].arguments == Words{"port", "7000"});
  CHECK(grouped[0].text == "port \"7000\"");
  CHECK(grouped[0].argument_number == 1);
  CHECK(*grouped[1].arguments == Words{"save", ""});  // bare --save before another option
  CHECK(*grouped[2].arguments == Words{"bind", "127.0.0.1", "-::1"});
  CHECK(*grouped[3].arguments == Words{"requirepass", "--odd"});  // a value may look like --x
  CHECK(*grouped[4].arguments == Words{"maxmemory", "1gb"});
  CHECK(*grouped[5].arguments == Words{"save", ""});  // bare --save at the end
}

// --- defaults and the table -----------------------------------------------------------------

TEST_CASE("config defaults give the Settings initializers") {
  const Config config;
  CHECK(config.settings() == Settings{});
  const Settings& settings = config.settings();
  CHECK(settings.bind == std::vector<std::string>{"127.0.0.1", "-::1"});
  CHECK(settings.port == 6379);
  CHECK(settings.maxmemory_policy == MaxmemoryPolicy::kNoEviction);
  CHECK(settings.loglevel == LogLevel::kNotice);
  CHECK(settings.output_buffer_limit(ClientClass::kReplica) ==
        OutputBufferLimit{268435456, 67108864, 60});
  CHECK(settings.output_buffer_limit(ClientClass::kPubSub) ==
        OutputBufferLimit{33554432, 8388608, 60});
  CHECK(settings.region == "local");
  CHECK(settings.region_id == 1);
}

// `redis-server --port 16396` (no config file), CONFIG GET *, sorted.
constexpr std::string_view kRedis7Defaults = R"(acl-pubsub-default	resetchannels
aclfile	
acllog-max-len	128
active-defrag-cycle-max	25
active-defrag-cycle-min	1
active-defrag-ignore-bytes	104857600
active-defrag-max-scan-fields	1000
active-defrag-threshold-lower	10
active-defrag-threshold-upper	100
active-expire-effort	1
activedefrag	no
activerehashing	yes
always-show-logo	no
aof-disable-auto-gc	no
aof-load-truncated	yes
aof-rewrite-incremental-fsync	yes
aof-timestamp-enabled	no
aof-use-rdb-preamble	yes
aof_rewrite_cpulist	
appenddirname	appendonlydir
appendfilename	appendonly.aof
appendfsync	everysec
appendonly	no
auto-aof-rewrite-min-size	67108864
auto-aof-rewrite-percentage	100
bgsave_cpulist	
bind	* -::*
bind-source-addr	
bio_cpulist	
busy-reply-threshold	5000
client-output-buffer-limit	normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60
client-query-buffer-limit	1073741824
cluster-allow-pubsubshard-when-down	yes
cluster-allow-reads-when-down	no
cluster-allow-replica-migration	yes
cluster-announce-bus-port	0
cluster-announce-hostname	
cluster-announce-ip	
cluster-announce-port	0
cluster-announce-tls-port	0
cluster-config-file	nodes.conf
cluster-enabled	no
cluster-link-sendbuf-limit	0
cluster-migration-barrier	1
cluster-node-timeout	15000
cluster-port	0
cluster-preferred-endpoint-type	ip
cluster-replica-no-failover	no
cluster-replica-validity-factor	10
cluster-require-full-coverage	yes
cluster-slave-no-failover	no
cluster-slave-validity-factor	10
crash-log-enabled	yes
crash-memcheck-enabled	yes
daemonize	no
databases	16
dbfilename	dump.rdb
dir	/tmp/rc
disable-thp	yes
dynamic-hz	yes
enable-debug-command	no
enable-module-command	no
enable-protected-configs	no
hash-max-listpack-entries	512
hash-max-listpack-value	64
hash-max-ziplist-entries	512
hash-max-ziplist-value	64
hll-sparse-max-bytes	3000
hz	10
ignore-warnings	
io-threads	1
io-threads-do-reads	no
jemalloc-bg-thread	yes
latency-monitor-threshold	0
latency-tracking	yes
latency-tracking-info-percentiles	50 99 99.9
lazyfree-lazy-eviction	no
lazyfree-lazy-expire	no
lazyfree-lazy-server-del	no
lazyfree-lazy-user-del	no
lazyfree-lazy-user-flush	no
lfu-decay-time	1
lfu-log-factor	10
list-compress-depth	0
list-max-listpack-size	-2
list-max-ziplist-size	-2
logfile	
loglevel	notice
lua-time-limit	5000
masterauth	
masteruser	
maxclients	10000
maxmemory	0
maxmemory-clients	0
maxmemory-eviction-tenacity	10
maxmemory-policy	noeviction
maxmemory-samples	5
min-replicas-max-lag	10
min-replicas-to-write	0
min-slaves-max-lag	10
min-slaves-to-write	0
no-appendfsync-on-rewrite	no
notify-keyspace-events	
oom-score-adj	no
oom-score-adj-values	0 200 800
pidfile	
port	16396
proc-title-template	{title} {listen-addr} {server-mode}
propagation-error-behavior	ignore
protected-mode	yes
proto-max-bulk-len	536870912
rdb-del-sync-files	no
rdb-save-incremental-fsync	yes
rdbchecksum	yes
rdbcompression	yes
repl-backlog-size	1048576
repl-backlog-ttl	3600
repl-disable-tcp-nodelay	no
repl-diskless-load	disabled
repl-diskless-sync	yes
repl-diskless-sync-delay	5
repl-diskless-sync-max-replicas	0
repl-ping-replica-period	10
repl-ping-slave-period	10
repl-timeout	60
replica-announce-ip	
replica-announce-port	0
replica-announced	yes
replica-ignore-disk-write-errors	no
replica-ignore-maxmemory	yes
replica-lazy-flush	no
replica-priority	100
replica-read-only	yes
replica-serve-stale-data	yes
replicaof	
requirepass	
sanitize-dump-payload	no
save	3600 1 300 100 60 10000
server_cpulist	
set-max-intset-entries	512
set-proc-title	yes
shutdown-on-sigint	default
shutdown-on-sigterm	default
shutdown-timeout	10
slave-announce-ip	
slave-announce-port	0
slave-ignore-maxmemory	yes
slave-lazy-flush	no
slave-priority	100
slave-read-only	yes
slave-serve-stale-data	yes
slaveof	
slowlog-log-slower-than	10000
slowlog-max-len	128
socket-mark-id	0
stop-writes-on-bgsave-error	yes
stream-node-max-bytes	4096
stream-node-max-entries	100
supervised	no
syslog-enabled	no
syslog-facility	local0
syslog-ident	redis
tcp-backlog	511
tcp-keepalive	300
timeout	0
tls-auth-clients	yes
tls-ca-cert-dir	
tls-ca-cert-file	
tls-cert-file	
tls-ciphers	
tls-ciphersuites	
tls-client-cert-file	
tls-client-key-file	
tls-client-key-file-pass	
tls-cluster	no
tls-dh-params-file	
tls-key-file	
tls-key-file-pass	
tls-port	0
tls-prefer-server-ciphers	no
tls-protocols	
tls-replication	no
tls-session-cache-size	20480
tls-session-cache-timeout	300
tls-session-caching	yes
tracking-table-max-keys	1000000
unixsocket	
unixsocketperm	0
zset-max-listpack-entries	128
zset-max-listpack-value	64
zset-max-ziplist-entries	128
zset-max-ziplist-value	64
)";

TEST_CASE("config knows every name redis-server 7.0.15 lists, with its default") {
  // Where tern's default differs on purpose (see node/config/README.md).
  const std::map<std::string, std::string> tern_defaults = {
      {"bind", "127.0.0.1 -::1"}, {"dir", "./"}, {"port", "6379"}, {"save", ""}};
  const Config config;
  std::istringstream lines{std::string(kRedis7Defaults)};
  std::string line;
  std::size_t names = 0;
  while (std::getline(lines, line)) {
    const std::size_t tab = line.find('\t');
    const std::string name = line.substr(0, tab);
    std::string expected = line.substr(tab + 1);
    if (const auto different = tern_defaults.find(name); different != tern_defaults.end()) {
      expected = different->second;
    }
    INFO("directive " << name);
    CHECK(get_value(config, name) == expected);
    ++names;
  }
  CHECK(names == 192);
  // ...and CONFIG GET * lists those names plus tern's own twenty-six (region, region-id,
  // node-id, region-nodes, region-port-offset, region-tls-{ca,cert,key}-file, region-ack,
  // region-fsync, region-write-wait, peer-regions, shipping-port-offset, shipping-batch-bytes,
  // shipping-batch-delay, shipping-compression-level, shipping-link-timeout, shipping-gc-interval,
  // shipping-in-flight-bytes, shipping-retention-bytes, metrics-port, metrics-bind, region-tick,
  // region-snapshot-{entries,bytes,chunk-bytes}).
  CHECK(config.get("*").size() == names + 26);
}

TEST_CASE("directive table rows are consistent") {
  std::map<std::string, int> spellings;
  std::size_t acted_without_settings = 0;
  for (const Directive& directive : directive_table()) {
    INFO("directive " << directive.name);
    CHECK(++spellings[ascii_lower(directive.name)] == 1);
    if (!directive.alias.empty()) CHECK(++spellings[ascii_lower(directive.alias)] == 1);
    CHECK_FALSE(directive.doc.empty());
    // A store exists exactly for acted-on directives (enable-protected-configs is acted on by
    // Config itself).
    if (directive.store != nullptr) CHECK(directive.effect == Effect::kActedOn);
    if (directive.effect == Effect::kActedOn && directive.store == nullptr) {
      ++acted_without_settings;
      CHECK(directive.name == "enable-protected-configs");
    }
    CHECK((directive.effect == Effect::kDefaultOnly) == !directive.refusal.empty());
    CHECK((directive.kind == ValueKind::kSpecial) == (directive.parse_special != nullptr));
    // The default is itself a valid value (given the way the file gives it).
    std::vector<std::string> arguments{std::string(directive.default_value)};
    if (directive.multiple_arguments) {
      arguments = *split_config_arguments(directive.default_value);
      if (arguments.empty() && directive.name != "replicaof") arguments.emplace_back();
      if (directive.name == "replicaof") arguments = {"no", "one"};
    }
    const ValueOrError parsed = parse_directive_value(directive, arguments, "", false);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    CHECK(std::get<std::string>(parsed) == directive.default_value);
  }
  CHECK(acted_without_settings == 1);
}

// --- load -----------------------------------------------------------------------------------

TEST_CASE("config file parsing skips comments and blank lines and honours quotes") {
  const Config config = load_ok(
      "# a comment\n"
      "\n"
      "   # an indented comment\n"
      "port 7000\r\n"
      "   maxmemory   100mb   \n"
      "requirepass \"p@ss word\\x21\"\n"
      "logfile '/var/log/tern server.log'\n"
      "MAXMEMORY-POLICY Allkeys-LRU\n"
      "region \"eu-west\"");
  const Settings& settings = config.settings();
  CHECK(settings.port == 7000);
  CHECK(settings.maxmemory == 100 * 1024 * 1024);
  CHECK(settings.requirepass == "p@ss word!");
  CHECK(settings.logfile == "/var/log/tern server.log");
  CHECK(settings.maxmemory_policy == MaxmemoryPolicy::kAllkeysLru);
  CHECK(settings.region == "eu-west");
}

TEST_CASE("config load of an unknown directive names the file and the line") {
  CHECK(load_error("port 7000\n\n  foo bar  \n") ==
        "*** FATAL CONFIG FILE ERROR (tern) ***\n"
        "Reading the configuration file 'tern.conf', at line 3\n"
        ">>> 'foo bar'\n"
        "Bad directive or wrong number of arguments");
}

TEST_CASE("config load of a bad value names the line and the reason") {
  CHECK(load_error("# c\n\nport abc\n") ==
        "*** FATAL CONFIG FILE ERROR (tern) ***\n"
        "Reading the configuration file 'tern.conf', at line 3\n"
        ">>> 'port abc'\n"
        "argument couldn't be parsed into an integer");
  const auto reason = [](std::string_view text) {
    const std::string message = load_error(text);
    return message.substr(message.rfind('\n') + 1);
  };
  CHECK(reason("port 1 2") == "wrong number of arguments");
  CHECK(reason("port") == "wrong number of arguments");
  CHECK(reason("port \"abc") == "Unbalanced quotes in configuration line");
  CHECK(reason("maxmemory 1x") == "argument must be a memory value");
  CHECK(reason("daemonize maybe") == "argument must be 'yes' or 'no'");
  CHECK(reason("save 1") == "Invalid save parameters");
  CHECK(reason("maxmemory-policy foo") ==
        "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
        "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
  CHECK(reason("client-output-buffer-limit foo 1 2 3") ==
        "Invalid client class specified in buffer limit configuration.");
  CHECK(reason("region-id 64") == "argument must be between 1 and 63 inclusive");
}

TEST_CASE("config load refuses redis.conf keywords tern does not support, saying so") {
  CHECK(load_error("include /etc/redis/other.conf")
            .ends_with("include is not supported by tern: put every directive in one file"));
  CHECK(load_error("rename-command FLUSHALL \"\"")
            .ends_with("rename-command is not supported by tern"));
  CHECK(load_error("loadmodule /x.so").ends_with("modules are not supported by tern"));
}

TEST_CASE("config load with no file name still gives the line") {
  auto loaded = Config::load("port x", "", {});
  REQUIRE(std::holds_alternative<ConfigError>(loaded));
  CHECK(std::get<ConfigError>(loaded).message.find("Reading the configuration file, at line 1\n") !=
        std::string::npos);
}

TEST_CASE("command-line overrides win over the file") {
  const Config config =
      load_ok("port 7000\nmaxmemory 1mb\n", {"--port", "7001", "--maxmemory", "2mb"});
  CHECK(config.settings().port == 7001);
  CHECK(config.settings().maxmemory == 2 * 1024 * 1024);
}

TEST_CASE("command-line override errors name the argument") {
  CHECK(load_error("port 7000\n", {"--timeout", "5", "--port", "abc"}) ==
        "*** FATAL CONFIG FILE ERROR (tern) ***\n"
        "Reading the command line, at argument 3\n"
        ">>> 'port \"abc\"'\n"
        "argument couldn't be parsed into an integer");
  CHECK(load_error("", {"--foo", "bar"})
            .ends_with(">>> 'foo \"bar\"'\nBad directive or wrong number of arguments"));
}

TEST_CASE("save lines add up during a load and save \"\" clears them, as in Redis") {
  CHECK(get_value(load_ok("save 900 1\nsave 300 10\n"), "save") == "900 1 300 10");
  CHECK(get_value(load_ok("save \"\"\nsave 100 1\n", {"--save", "200", "2"}), "save") ==
        "100 1 200 2");
  CHECK(get_value(load_ok("save 100 1\n", {"--save", ""}), "save") == "");
  CHECK(get_value(load_ok("", {"--save"}), "save") == "");
  CHECK(get_value(load_ok("", {"--save", "900 1"}), "save") == "900 1");  // one argument, split
  CHECK(get_value(load_ok("save 01 002"), "save") == "1 2");
}

TEST_CASE("a repeated directive in the file takes its last value") {
  const Config config = load_ok(
      "maxmemory-policy allkeys-lru\nmaxmemory-policy volatile-lru\n"
      "bind 127.0.0.1\nbind 127.0.0.1 -::1\n");
  CHECK(config.settings().maxmemory_policy == MaxmemoryPolicy::kVolatileLru);
  CHECK(config.settings().bind == std::vector<std::string>{"127.0.0.1", "-::1"});
}

TEST_CASE("client-output-buffer-limit lines each set one class") {
  const Config config = load_ok(
      "client-output-buffer-limit pubsub 1mb 2mb 3\n"
      "client-output-buffer-limit normal 5 6 7\n");
  CHECK(get_value(config, "client-output-buffer-limit") ==
        "normal 5 6 7 slave 268435456 67108864 60 pubsub 1048576 2097152 3");
  CHECK(config.settings().output_buffer_limit(ClientClass::kNormal) == OutputBufferLimit{5, 6, 7});
  CHECK(config.settings().output_buffer_limit(ClientClass::kPubSub) ==
        OutputBufferLimit{1048576, 2097152, 3});
}

TEST_CASE("hz outside 1..500 is clamped, as in Redis") {
  CHECK(get_value(load_ok("hz 0"), "hz") == "1");
  CHECK(load_ok("hz 1000").settings().hz == 500);
  Config config;
  CHECK(set_error(config, {{"hz", "0"}}).empty());
  CHECK(config.settings().hz == 1);
  CHECK(set_error(config, {{"hz", "-1"}}) ==
        set_failed("hz", "argument must be between 0 and 2147483647 inclusive"));
}

TEST_CASE("loglevel accepts Redis 7.2's nothing") {
  CHECK(load_ok("loglevel nothing").settings().loglevel == LogLevel::kNothing);
  CHECK(load_ok("loglevel WARNING").settings().loglevel == LogLevel::kWarning);
  CHECK(load_ok("loglevel debug").settings().loglevel == LogLevel::kDebug);
}

TEST_CASE("region and node-id accept names only") {
  CHECK(load_ok("region us-east.1\nregion-id 63\nnode-id a_b-3").settings().node_id == "a_b-3");
  CHECK(load_error("region \"\"")
            .ends_with("region must be 1 to 64 letters, digits, '.', '_' or '-'"));
  CHECK(load_error("region \"eu west\"")
            .ends_with("region must be 1 to 64 letters, digits, '.', '_' or '-'"));
  CHECK(load_error("region-id 0").ends_with("argument must be between 1 and 63 inclusive"));
  CHECK(load_error("node-id \"a\\nb\"")
            .ends_with("node-id must be empty or up to 64 letters, digits, '.', '_' or '-'"));
}

TEST_CASE("bind needs at least one address") {
  CHECK(load_error("bind").ends_with("bind needs at least one address: tern listens on TCP only"));
  CHECK(load_error("bind \"\"")
            .ends_with("bind needs at least one address: tern listens on TCP only"));
  CHECK(load_ok("bind 0.0.0.0 ::").settings().bind == std::vector<std::string>{"0.0.0.0", "::"});
}

// --- memory units ---------------------------------------------------------------------------

TEST_CASE("memory values take Redis's units in any case") {
  const std::vector<std::pair<std::string_view, std::uint64_t>> cases = {
      {"0", 0},
      {"1", 1},
      {"1b", 1},
      {"1B", 1},
      {"1k", 1000},
      {"1kb", 1024},
      {"1KB", 1024},
      {"1m", 1000000},
      {"1mb", 1048576},
      {"1Mb", 1048576},
      {"1g", 1000000000},
      {"1gb", 1073741824},
      {"3GB", 3221225472},
      {"18446744073709551615", 18446744073709551615ULL},
      {"007", 7},
  };
  for (const auto& entry : cases) {
    const std::string_view text = entry.first;
    const std::uint64_t bytes = entry.second;
    INFO("value " << text);
    CHECK(parse_memory_value(text) == bytes);
  }
  for (const std::string_view bad : {"", "kb", "-1", "+1", " 1", "1 ", "1.5mb", "1x", "1kbb",
                                     "0x10", "18446744073709551616", "17179869184gb"}) {
    INFO("value " << bad);
    CHECK_FALSE(parse_memory_value(bad).has_value());
  }
}

TEST_CASE("CONFIG GET shows memory sizes as plain bytes and REWRITE with units") {
  Config config;
  REQUIRE(set_error(config, {{"maxmemory", "1GB"}}).empty());
  CHECK(get_value(config, "maxmemory") == "1073741824");
  CHECK(config.settings().maxmemory == 1073741824);
  CHECK(format_memory_for_file(1073741824) == "1gb");
  CHECK(format_memory_for_file(3ULL * 1048576) == "3mb");
  CHECK(format_memory_for_file(2048) == "2kb");
  CHECK(format_memory_for_file(1000) == "1000");
  CHECK(format_memory_for_file(0) == "0");
}

// --- CONFIG GET -----------------------------------------------------------------------------

TEST_CASE("CONFIG GET of an exact name answers under the spelling asked") {
  const Config config;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(config.get("port") == Pairs{{"port", "6379"}});
  CHECK(config.get("PORT") == Pairs{{"PORT", "6379"}});
  CHECK(config.get("slave-read-only") == Pairs{{"slave-read-only", "yes"}});
  CHECK(config.get("no-such-thing").empty());
}

TEST_CASE("CONFIG GET patterns match names and aliases ignoring case") {
  const Config config;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(config.get("hash-max-*") == Pairs{{"hash-max-listpack-entries", "512"},
                                          {"hash-max-ziplist-entries", "512"},
                                          {"hash-max-listpack-value", "64"},
                                          {"hash-max-ziplist-value", "64"}});
  CHECK(config.get("*ZIPLIST-ENTRIES") ==
        Pairs{{"hash-max-ziplist-entries", "512"}, {"zset-max-ziplist-entries", "128"}});
  CHECK(config.get("PO?T") == Pairs{{"port", "6379"}});
  CHECK(config.get("maxmemory-[p]olicy") == Pairs{{"maxmemory-policy", "noeviction"}});
  CHECK(config.get("slave*").size() == 8);
}

TEST_CASE("CONFIG GET with several patterns lists each name once") {
  const Config config;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(config.get_many({"PORT", "port", "p*rt", "timeout"}) ==
        Pairs{{"PORT", "6379"}, {"timeout", "0"}});
}

TEST_CASE("CONFIG GET shows booleans as yes/no and enums in lower case") {
  Config config;
  REQUIRE(set_error(config, {{"activedefrag", "YES"},
                             {"maxmemory-policy", "ALLKEYS-LFU"},
                             {"appendfsync", "Always"}})
              .empty());
  CHECK(get_value(config, "activedefrag") == "yes");
  CHECK(get_value(config, "maxmemory-policy") == "allkeys-lfu");
  CHECK(get_value(config, "appendfsync") == "always");
}

// --- CONFIG SET -----------------------------------------------------------------------------

TEST_CASE("CONFIG SET is atomic: one bad value changes nothing") {
  Config config;
  const Settings before = config.settings();
  CHECK(set_error(config, {{"maxmemory", "1gb"}, {"timeout", "30"}, {"maxclients", "0"}}) ==
        set_failed("maxclients", "argument must be between 1 and 4294967295 inclusive"));
  CHECK(config.settings() == before);
  CHECK(get_value(config, "maxmemory") == "0");
  CHECK(get_value(config, "timeout") == "0");
}

TEST_CASE("CONFIG SET checks every name before any value") {
  Config config;
  CHECK(set_error(config, {{"maxmemory", "abc"}, {"foo", "bar"}}) ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  CHECK(set_error(config, {{"timeout", "1"}, {"daemonize", "no"}, {"foo", "bar"}}) ==
        set_failed("daemonize", "can't set immutable config"));
  CHECK(set_error(config, {{"foo", "bar"}, {"daemonize", "no"}}) ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  CHECK(get_value(config, "timeout") == "0");
}

TEST_CASE("CONFIG SET errors read as in redis-server 7.0.15") {
  Config config;
  CHECK(set_error(config, {{"foo", "bar"}}) ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  CHECK(set_error(config, {{"maxmemory", "abc"}}) ==
        set_failed("maxmemory", "argument must be a memory value"));
  CHECK(set_error(config, {{"maxmemory", "1gb"}, {"timeout", "abc"}}) ==
        set_failed("timeout", "argument couldn't be parsed into an integer"));
  CHECK(set_error(config, {{"maxmemory", "1"}, {"maxmemory", "2"}}) ==
        set_failed("maxmemory", "duplicate parameter"));
  CHECK(set_error(config, {{"daemonize", "no"}}) ==
        set_failed("daemonize", "can't set immutable config"));
  CHECK(set_error(config, {{"databases", "3"}}) ==
        set_failed("databases", "can't set immutable config"));
  CHECK(set_error(config, {{"dir", "/tmp"}}) == set_failed("dir", "can't set protected config"));
  CHECK(set_error(config, {{"maxmemory-policy", "foo"}}) ==
        set_failed("maxmemory-policy",
                   "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                   "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                   "noeviction"));
  CHECK(set_error(config, {{"activedefrag", "maybe"}}) ==
        set_failed("activedefrag", "argument must be 'yes' or 'no'"));
  CHECK(set_error(config, {{"timeout", "-1"}}) ==
        set_failed("timeout", "argument must be between 0 and 2147483647 inclusive"));
  CHECK(set_error(config, {{"tcp-keepalive", "00"}}) ==
        set_failed("tcp-keepalive", "argument couldn't be parsed into an integer"));
  CHECK(set_error(config, {{"slowlog-log-slower-than", "-5"}}) ==
        set_failed("slowlog-log-slower-than",
                   "argument must be between -1 and 9223372036854775807 inclusive"));
  CHECK(set_error(config, {{"proto-max-bulk-len", "1"}}) ==
        set_failed("proto-max-bulk-len",
                   "argument must be between 1048576 and 9223372036854775807 inclusive"));
  CHECK(set_error(config, {{"list-max-listpack-size", "99999999999"}}) ==
        set_failed("list-max-listpack-size",
                   "argument must be between -2147483648 and 2147483647 inclusive"));
  CHECK(set_error(config, {{"client-output-buffer-limit", "normal 1 2"}}) ==
        set_failed("client-output-buffer-limit",
                   "Wrong number of arguments in buffer limit configuration."));
  CHECK(set_error(config, {{"client-output-buffer-limit", "master 1 0 1"}}) ==
        set_failed("client-output-buffer-limit",
                   "Invalid client class specified in buffer limit configuration."));
  CHECK(set_error(config, {{"client-output-buffer-limit", "normal 1 0 -1"}}) ==
        set_failed("client-output-buffer-limit",
                   "Error in hard, soft or soft_seconds setting in buffer limit configuration."));
  CHECK(set_error(config, {{"save", "900"}}) == set_failed("save", "Invalid save parameters"));
  CHECK(set_error(config, {{"save", "900  1"}}) == set_failed("save", "Invalid save parameters"));
  CHECK(set_error(config, {{"notify-keyspace-events", "bogus"}}) ==
        set_failed("notify-keyspace-events",
                   "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."));
  CHECK(set_error(config, {{"maxmemory-clients", "150%"}}) ==
        set_failed("maxmemory-clients", "percentage argument must be less or equal to 100"));
  CHECK(set_error(config, {{"maxmemory-clients", "x"}}) ==
        set_failed("maxmemory-clients", "argument must be a memory or percent value"));
  CHECK(set_error(config, {{"shutdown-on-sigint", "save nosave"}}) ==
        set_failed("shutdown-on-sigint",
                   "shutdown options SAVE and NOSAVE can't be used simultaneously"));
  CHECK(set_error(config, {{"shutdown-on-sigint", "bogus"}}) ==
        set_failed("shutdown-on-sigint",
                   "argument(s) must be one of the following: default, save, nosave, now, force"));
  CHECK(set_error(config, {{"oom-score-adj-values", "1 2"}}) ==
        set_failed("oom-score-adj-values", "wrong number of arguments"));
  CHECK(set_error(config, {{"oom-score-adj-values", "1 2 3000"}}) ==
        set_failed("oom-score-adj-values",
                   "Invalid oom-score-adj-values, elements must be between -2000 and 2000."));
  CHECK(set_error(config, {{"latency-tracking-info-percentiles", "101"}}) ==
        set_failed("latency-tracking-info-percentiles",
                   "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"));
  CHECK(set_error(config, {{"latency-tracking-info-percentiles", "abc"}}) ==
        set_failed("latency-tracking-info-percentiles",
                   "Invalid latency-tracking-info-percentiles parameters"));
}

TEST_CASE("CONFIG SET names the directive as the table spells it, or the alias") {
  Config config;
  // Redis names the config it found, in lower case, not the argument as typed.
  CHECK(set_error(config, {{"MAXMEMORY", "abc"}}) ==
        set_failed("maxmemory", "argument must be a memory value"));
  CHECK(set_error(config, {{"hash-max-ziplist-entries", "abc"}}) ==
        set_failed("hash-max-ziplist-entries", "argument couldn't be parsed into an integer"));
  // But the name as typed when the name itself is the problem.
  CHECK(set_error(config, {{"DAEMONIZE", "no"}}) ==
        set_failed("DAEMONIZE", "can't set immutable config"));
}

TEST_CASE("CONFIG SET of a name and its alias in one call is allowed and the later wins") {
  Config config;
  CHECK(set_error(config, {{"hash-max-ziplist-entries", "3"}, {"hash-max-listpack-entries", "4"}})
            .empty());
  CHECK(get_value(config, "hash-max-ziplist-entries") == "4");
  CHECK(get_value(config, "hash-max-listpack-entries") == "4");
}

TEST_CASE("CONFIG SET client-output-buffer-limit changes only the classes given") {
  Config config;
  CHECK(
      set_error(config, {{"client-output-buffer-limit", "replica 1 0 1 normal 1kb 2 3"}}).empty());
  CHECK(get_value(config, "client-output-buffer-limit") ==
        "normal 1024 2 3 slave 1 0 1 pubsub 33554432 8388608 60");
  CHECK(config.settings().output_buffer_limit(ClientClass::kReplica) == OutputBufferLimit{1, 0, 1});
  CHECK(set_error(config, {{"client-output-buffer-limit", ""}}).empty());  // no classes: no change
  CHECK(get_value(config, "client-output-buffer-limit") ==
        "normal 1024 2 3 slave 1 0 1 pubsub 33554432 8388608 60");
}

TEST_CASE("notify-keyspace-events shows flags as Redis prints them") {
  Config config;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"KEA", "AKE"}, {"nmdtexzhsl$gKE", "AKEm"},
      {"An", "A"},    {"g$lshzxet", "g$lshzxet"},
      {"dg", "gd"},   {"mE", "Em"},
      {"K$", "$K"},   {"", ""}};
  for (const auto& entry : cases) {
    const std::string& given = entry.first;
    const std::string& shown = entry.second;
    INFO("flags " << given);
    REQUIRE(set_error(config, {{"notify-keyspace-events", given}}).empty());
    CHECK(get_value(config, "notify-keyspace-events") == shown);
  }
}

TEST_CASE("default-only directives refuse other values and say why") {
  const std::string aof_refusal =
      "appendonly yes is not supported: tern keeps no append-only file; a write's durability "
      "comes from its region's replicas";
  Config config;
  CHECK(set_error(config, {{"appendonly", "yes"}}) == set_failed("appendonly", aof_refusal));
  CHECK(set_error(config, {{"appendonly", "no"}}).empty());
  CHECK(load_error("appendonly yes").ends_with(">>> 'appendonly yes'\n" + aof_refusal));
  CHECK(load_error("daemonize yes")
            .ends_with("daemonize yes is not supported by tern: run "
                       "tern-server in the foreground under a supervisor "
                       "(systemd, a container)"));
  CHECK(load_error("unixsocket /tmp/tern.sock")
            .ends_with("unix sockets are not supported by tern: listen on TCP (bind, port)"));
  CHECK(load_error("cluster-enabled yes").find("cluster-enabled yes is not supported") !=
        std::string::npos);
  CHECK(load_error("replicaof 10.0.0.1 6379").find("replicaof is not supported") !=
        std::string::npos);
  CHECK(load_error("slaveof 10.0.0.1").ends_with("Bad directive or wrong number of arguments"));
  CHECK(get_value(load_ok("slaveof no one"), "replicaof") == "");
  CHECK(set_error(config, {{"min-slaves-to-write", "1"}})
            .starts_with(
                "ERR CONFIG SET failed (possibly related to argument 'min-slaves-to-write') - "
                "min-replicas-to-write is not supported"));
}

TEST_CASE("protected directives need enable-protected-configs") {
  Config closed;
  CHECK(set_error(closed, {{"dbfilename", "x.rdb"}}) ==
        set_failed("dbfilename", "can't set protected config"));
  Config open = load_ok("enable-protected-configs yes");
  CHECK(set_error(open, {{"dir", "/var/lib/tern"}}).empty());
  CHECK(open.settings().dir == "/var/lib/tern");
  Config local = load_ok("enable-protected-configs local");
  CHECK(local.set({{"dir", "/a"}}, false).has_value());
  CHECK_FALSE(local.set({{"dir", "/a"}}, true).has_value());
}

TEST_CASE("Settings follow every successful CONFIG SET") {
  Config config;
  REQUIRE(set_error(config, {{"maxmemory", "100mb"},
                             {"maxmemory-policy", "volatile-ttl"},
                             {"maxmemory-samples", "7"},
                             {"loglevel", "debug"},
                             {"requirepass", "secret"},
                             {"slowlog-log-slower-than", "-1"},
                             {"slowlog-max-len", "5"},
                             {"latency-monitor-threshold", "100"},
                             {"timeout", "60"},
                             {"tcp-keepalive", "0"},
                             {"maxclients", "50"},
                             {"lfu-log-factor", "3"},
                             {"lfu-decay-time", "4"},
                             {"active-expire-effort", "10"},
                             {"proto-max-bulk-len", "2mb"},
                             {"client-query-buffer-limit", "4mb"}})
              .empty());
  const Settings& s = config.settings();
  CHECK(s.maxmemory == 100 * 1048576ULL);
  CHECK(s.maxmemory_policy == MaxmemoryPolicy::kVolatileTtl);
  CHECK(s.maxmemory_samples == 7);
  CHECK(s.loglevel == LogLevel::kDebug);
  CHECK(s.requirepass == "secret");
  CHECK(s.slowlog_log_slower_than == -1);
  CHECK(s.slowlog_max_len == 5);
  CHECK(s.latency_monitor_threshold == 100);
  CHECK(s.timeout == 60);
  CHECK(s.tcp_keepalive == 0);
  CHECK(s.maxclients == 50);
  CHECK(s.lfu_log_factor == 3);
  CHECK(s.lfu_decay_time == 4);
  CHECK(s.active_expire_effort == 10);
  CHECK(s.proto_max_bulk_len == 2 * 1048576ULL);
  CHECK(s.client_query_buffer_limit == 4 * 1048576ULL);
}

TEST_CASE("every maxmemory-policy name maps to its Settings value") {
  const std::vector<std::pair<std::string, MaxmemoryPolicy>> cases = {
      {"volatile-lru", MaxmemoryPolicy::kVolatileLru},
      {"volatile-lfu", MaxmemoryPolicy::kVolatileLfu},
      {"volatile-random", MaxmemoryPolicy::kVolatileRandom},
      {"volatile-ttl", MaxmemoryPolicy::kVolatileTtl},
      {"allkeys-lru", MaxmemoryPolicy::kAllkeysLru},
      {"allkeys-lfu", MaxmemoryPolicy::kAllkeysLfu},
      {"allkeys-random", MaxmemoryPolicy::kAllkeysRandom},
      {"noeviction", MaxmemoryPolicy::kNoEviction}};
  Config config;
  for (const auto& entry : cases) {
    const std::string& name = entry.first;
    const MaxmemoryPolicy policy = entry.second;
    REQUIRE(set_error(config, {{"maxmemory-policy", name}}).empty());
    CHECK(config.settings().maxmemory_policy == policy);
  }
}

// --- every directive ------------------------------------------------------------------------

TEST_CASE("every runtime directive round-trips through CONFIG SET and GET, by name and alias") {
  for (const Directive& directive : directive_table()) {
    if (directive.mutability != Mutability::kRuntime) continue;
    if (directive.effect == Effect::kDefaultOnly) continue;
    INFO("directive " << directive.name);
    const auto other = other_value(directive);
    const std::string& given = other.first;
    const std::string& shown = other.second;
    Config config;
    CHECK(set_error(config, {{std::string(directive.name), given}}) == "");
    CHECK(get_value(config, directive.name) == shown);
    // Setting it back to what GET showed changes nothing.
    CHECK(set_error(config, {{std::string(directive.name), shown}}) == "");
    CHECK(get_value(config, directive.name) == shown);
    CHECK(set_error(config, {{std::string(directive.name), std::string(directive.default_value)}})
              .empty());
    CHECK(get_value(config, directive.name) == directive.default_value);
    if (!directive.alias.empty()) {
      CHECK(set_error(config, {{std::string(directive.alias), given}}) == "");
      CHECK(get_value(config, directive.alias) == shown);
      CHECK(get_value(config, directive.name) == shown);
    }
  }
}

TEST_CASE("every startup-only directive is refused by CONFIG SET and read from the file") {
  for (const Directive& directive : directive_table()) {
    if (directive.mutability != Mutability::kStartupOnly) continue;
    INFO("directive " << directive.name);
    Config config;
    CHECK(set_error(config, {{std::string(directive.name), "x"}}) ==
          set_failed(directive.name, "can't set immutable config"));
    if (directive.effect == Effect::kDefaultOnly) continue;
    const auto other = other_value(directive);
    const std::string& given = other.first;
    const std::string& shown = other.second;
    const std::string line = std::string(directive.name) + " " + quote_config_argument(given);
    CHECK(get_value(load_ok(line), directive.name) == shown);
  }
}

TEST_CASE("every default-only directive refuses another value, from the file and CONFIG SET") {
  const std::map<std::string_view, std::string> refused_values = {{"unixsocket", "/tmp/tern.sock"},
                                                                  {"syslog-enabled", "yes"},
                                                                  {"daemonize", "yes"},
                                                                  {"supervised", "systemd"},
                                                                  {"aclfile", "/etc/users.acl"},
                                                                  {"appendonly", "yes"},
                                                                  {"replicaof", "10.0.0.1 6379"},
                                                                  {"min-replicas-to-write", "1"},
                                                                  {"cluster-enabled", "yes"}};
  std::size_t default_only = 0;
  for (const Directive& directive : directive_table()) {
    if (directive.effect != Effect::kDefaultOnly) continue;
    ++default_only;
    INFO("directive " << directive.name);
    const auto refused = refused_values.find(directive.name);
    REQUIRE(refused != refused_values.end());
    const std::string line = std::string(directive.name) + " " + refused->second;
    CHECK(load_error(line).ends_with(">>> '" + line + "'\n" + std::string(directive.refusal)));
    if (directive.mutability == Mutability::kRuntime) {
      Config config;
      CHECK(set_error(config, {{std::string(directive.name), refused->second}}) ==
            set_failed(directive.name, directive.refusal));
    }
  }
  CHECK(default_only == refused_values.size());
}

TEST_CASE("tls directives reach Settings, and tls-port is startup-only like port") {
  const Config config = load_ok(
      "tls-port 6380\ntls-cert-file /etc/tern/server.crt\ntls-key-file /etc/tern/server.key\n"
      "tls-ca-cert-file /etc/tern/ca.crt\ntls-auth-clients optional\ntls-protocols TLSv1.3\n"
      "tls-session-caching no");
  const Settings& s = config.settings();
  CHECK(s.tls_port == 6380);
  CHECK(s.tls_cert_file == "/etc/tern/server.crt");
  CHECK(s.tls_key_file == "/etc/tern/server.key");
  CHECK(s.tls_ca_cert_file == "/etc/tern/ca.crt");
  CHECK(s.tls_auth_clients == "optional");
  CHECK(s.tls_protocols == "TLSv1.3");
  CHECK_FALSE(s.tls_session_caching);
  Config running = config;
  CHECK(set_error(running, {{"tls-port", "6390"}}) ==
        "ERR CONFIG SET failed (possibly related to argument 'tls-port') - can't set immutable config");
  CHECK(!running.set({{"tls-cert-file", "/etc/tern/new.crt"}}).has_value());
  CHECK(running.settings().tls_cert_file == "/etc/tern/new.crt");
  CHECK(load_error("tls-auth-clients maybe").find("argument(s) must be one of the following") !=
        std::string::npos);
}

// --- CONFIG REWRITE -------------------------------------------------------------------------

TEST_CASE("CONFIG REWRITE keeps comments and updates directives in place") {
  const std::string original =
      "# tern test config\n"
      "port 7000\n"
      "\n"
      "# memory\n"
      "maxmemory 1gb\n"
      "hash-max-ziplist-entries 100\n"
      "hash-max-listpack-entries 200\n"
      "save 900 1\n"
      "save 300 10\n"
      "   loglevel   notice   \n";
  Config config = load_ok(original);
  REQUIRE(set_error(config, {{"maxmemory", "2mb"},
                             {"hz", "20"},
                             {"hash-max-listpack-value", "99"},
                             {"save", ""},
                             {"loglevel", "warning"}})
              .empty());
  CHECK(config.rewrite(original) ==
        "# tern test config\n"
        "port 7000\n"
        "\n"
        "# memory\n"
        "maxmemory 2mb\n"
        "hash-max-listpack-entries 200\n"
        "\n"
        "save \"\"\n"
        "\n"
        "loglevel warning\n"
        "# Generated by CONFIG REWRITE\n"
        "hz 20\n"
        "hash-max-listpack-value 99\n");
}

TEST_CASE("CONFIG REWRITE writes the signature once and appends after it") {
  Config config;
  REQUIRE(set_error(config, {{"timeout", "5"}}).empty());
  const std::string first = config.rewrite("port 6379");
  CHECK(first == "port 6379\n# Generated by CONFIG REWRITE\ntimeout 5\n");
  REQUIRE(set_error(config, {{"maxmemory", "3gb"}}).empty());
  CHECK(config.rewrite(first) ==
        "port 6379\n# Generated by CONFIG REWRITE\ntimeout 5\nmaxmemory 3gb\n");
}

TEST_CASE("CONFIG REWRITE of an empty file writes only values that differ from the default") {
  Config config = load_ok("", {"--port", "7000", "--region", "eu", "--bind", "0.0.0.0"});
  REQUIRE(set_error(config, {{"client-output-buffer-limit", "pubsub 1mb 2mb 3"},
                             {"requirepass", "s3cr\"t"},
                             {"notify-keyspace-events", "Ex"},
                             {"save", "60 1000"}})
              .empty());
  CHECK(config.rewrite("") ==
        "# Generated by CONFIG REWRITE\n"
        "bind 0.0.0.0\n"
        "port 7000\n"
        "requirepass \"s3cr\\\"t\"\n"
        "client-output-buffer-limit pubsub 1mb 2mb 3\n"
        "notify-keyspace-events \"xE\"\n"
        "save 60 1000\n"
        "region \"eu\"\n");
  CHECK(Config().rewrite("") == "");
}

TEST_CASE("CONFIG REWRITE puts changed client classes in the existing lines first") {
  const std::string original = "client-output-buffer-limit pubsub 1mb 2mb 3\n";
  Config config = load_ok(original);
  CHECK(config.rewrite(original) == original);
  REQUIRE(set_error(config, {{"client-output-buffer-limit", "normal 5 6 7"}}).empty());
  CHECK(config.rewrite(original) ==
        "client-output-buffer-limit normal 5 6 7\n"
        "# Generated by CONFIG REWRITE\n"
        "client-output-buffer-limit pubsub 1mb 2mb 3\n");
}

TEST_CASE("CONFIG REWRITE comments out lines it cannot read and squeezes blank runs") {
  const Config config;
  CHECK(config.rewrite("unknown-thing 1\n\n\n\nport \"7000\n# ok\n") ==
        "# ??? unknown-thing 1\n\n# ??? port \"7000\n# ok\n");
}

TEST_CASE("CONFIG REWRITE output loads back to the same values") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed = " << seed);
  std::mt19937_64 random(seed);
  const std::vector<Directive>& table = directive_table();
  for (int round = 0; round < 50; ++round) {
    // Startup-only directives through the file, runtime ones through CONFIG SET.
    std::string file = "# start\nport 7000\nmaxmemory 1mb\nsave 1 2\nsave 3 4\n";
    Changes changes;
    for (const Directive& directive : table) {
      if (directive.effect == Effect::kDefaultOnly || random() % 4 != 0) continue;
      const std::string given = other_value(directive).first;
      if (directive.mutability == Mutability::kRuntime) {
        changes.emplace_back(
            directive.alias.empty() || random() % 2 ? directive.name : directive.alias, given);
      } else {
        file += std::string(directive.name) + " " + quote_config_argument(given) + "\n";
      }
    }
    Config config = load_ok(file);
    REQUIRE(set_error(config, changes) == "");
    const std::string rewritten = config.rewrite(file);
    INFO("rewritten file:\n" << rewritten);
    const Config reloaded = load_ok(rewritten);
    CHECK(reloaded.get("*") == config.get("*"));
    CHECK(reloaded.settings() == config.settings());
    CHECK(reloaded.rewrite(rewritten) == rewritten);  // a second rewrite changes nothing
  }
}

}  // namespace
}  // namespace tern::node
