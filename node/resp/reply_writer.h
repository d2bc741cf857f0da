#pragma once
// ReplyWriter: replies encoded as RESP2 or RESP3, appended to a connection's output string.
//
// The bytes are those redis-server 7.0 sends for the same reply in the same protocol (checked
// against 7.0.15): RESP3 types fall back as Redis's addReply* functions do under RESP2 (map ->
// array of 2n, set and push -> array, double/verbatim/big number -> bulk string, boolean ->
// :1/:0, both nulls -> $-1 / *-1). Doubles are printed as printf("%.17g") prints them ("inf",
// "-inf", "nan", "-0", "3", "0.10000000000000001"), via std::to_chars, which is specified to
// match it.
//
// The writer owns nothing: it borrows `out` (the connection's output buffer) and appends; it
// never clears or reads it. Aggregates only write their header; the caller writes exactly the
// announced number of elements after it. Numbers use std::to_chars into a stack buffer, and
// each reply is at most three appends, so the string's geometric growth is the only allocation.
#include <cstddef>
#include <string>
#include <string_view>

namespace tern::node::resp {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string& out) : out_(out) {}

  void set_protocol(int version) { resp3_ = version == 3; }  // 3 (HELLO 3); anything else is 2
  [[nodiscard]] int protocol() const { return resp3_ ? 3 : 2; }

  void simple(std::string_view s);  // +s (CR and LF in s become spaces)
  void ok() { out_.append("+OK\r\n"); }
  // -s, s given with its code and without '-' ("ERR syntax error", "WRONGTYPE ..."). As Redis's
  // addReplyErrorFormat: CR and LF at either end are dropped, those inside become spaces.
  void error(std::string_view s);
  void integer(long long v);      // :v
  void bulk(std::string_view s);  // $len\r\ns
  void null();                    // RESP2 $-1, RESP3 _
  void null_array();              // RESP2 *-1, RESP3 _
  void array(std::size_t n);      // *n
  void map(std::size_t pairs);    // RESP3 %pairs ; RESP2 *2pairs
  void set(std::size_t n);        // RESP3 ~n ; RESP2 *n
  void push(std::size_t n);       // RESP3 >n ; RESP2 *n (pub/sub messages)
  void double_value(double d);    // RESP3 ,%.17g ; RESP2 bulk of %.17g
  // A double already formatted by the caller (GEOPOS's human long doubles): RESP3 ,text ;
  // RESP2 bulk text.
  void double_text(std::string_view text);
  void boolean(bool b);           // RESP3 #t/#f ; RESP2 :1/:0
  // RESP3 =len\r\nfmt:s ; RESP2 bulk s. `format` is RESP3's three-byte type ("txt", "mkd").
  void verbatim(std::string_view s, std::string_view format = "txt");
  void big_number(std::string_view digits);  // RESP3 (digits ; RESP2 bulk

 private:
  void header(char prefix, long long n);
  void header(char prefix, std::size_t n);
  void line(char prefix, std::string_view text);  // prefix, text with CR/LF as spaces, CRLF

  std::string& out_;
  bool resp3_ = false;
};

}  // namespace tern::node::resp
