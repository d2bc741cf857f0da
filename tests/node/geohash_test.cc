// geo::geohash against redis-server 7.0.15. Every expected value here was read from the real
// server: scores from ZRANGE ... WITHSCORES after GEOADD, coordinates from GEOPOS, strings from
// GEOHASH, exact distances from GEOSEARCHSTORE ... STOREDIST then ZSCORE (%.17g), and the
// decoding of scores that are not geohashes from ZADD then GEOPOS/GEOHASH.
#include "node/geo/geohash.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "crdt/number_text.h"

namespace tern::geo {
namespace {

constexpr Position kPalermo{13.361389, 38.115556};
constexpr Position kCatania{15.087269, 37.502669};

// GEOPOS's text for a coordinate (Redis's human long double).
std::string text(double degrees) { return crdt::format_long_double(degrees).value_or("?"); }

double score_text(const char* digits) { return std::strtod(digits, nullptr); }

TEST_CASE("geo score of a position is Redis's 52-bit geohash") {
  CHECK(score_of(kPalermo) == 3479099956230698.0);
  CHECK(score_of(kCatania) == 3479447370796909.0);
  CHECK(score_of({-73.9857, 40.7484}) == 1791875672646935.0);
  CHECK(score_of({-0.1276, 51.5072}) == 2163557714838307.0);
  CHECK(score_of({2.0, -40.0}) == 2533788291704463.0);
}

TEST_CASE("geo score of a position on the max edge overflows to slice 2^26 as in Redis") {
  CHECK(score_of({180, 0}) == 10133099161583616.0);  // above 2^53, still what Redis stores
  CHECK(score_of({-180, 0}) == 1125899906842624.0);
  CHECK(score_of({0, kLatitudeMax}) == 6755399441055744.0);
  CHECK(score_of({0, kLatitudeMin}) == 2251799813685248.0);
}

TEST_CASE("geo valid positions are Redis's inclusive ranges") {
  CHECK(is_valid_position({180, kLatitudeMax}));
  CHECK(is_valid_position({-180, kLatitudeMin}));
  CHECK_FALSE(is_valid_position({180.0000001, 0}));
  CHECK_FALSE(is_valid_position({0, 85.051129}));
  CHECK_FALSE(is_valid_position({0, -90}));
  CHECK_FALSE(is_valid_position({std::numeric_limits<double>::infinity(), 0}));
}

TEST_CASE("geo position of a score is the cell centre GEOPOS prints") {
  const Position palermo = position_of_score(3479099956230698.0);
  CHECK(text(palermo.longitude) == "13.36138933897018433");
  CHECK(text(palermo.latitude) == "38.11555639549629859");
  const Position catania = position_of_score(3479447370796909.0);
  CHECK(text(catania.longitude) == "15.08726745843887329");
  CHECK(text(catania.latitude) == "37.50266842333162032");
  const Position south = position_of_score(2533788291704463.0);
  CHECK(text(south.longitude) == "2.00000256299972534");
  CHECK(text(south.latitude) == "-39.99999991084916218");
}

TEST_CASE("geo position of an overflowed score is clamped into range") {
  const Position east = position_of_score(10133099161583616.0);
  CHECK(text(east.longitude) == "180");
  CHECK(text(east.latitude) == "0.00000126736058093");
  const Position north = position_of_score(6755399441055744.0);
  CHECK(text(north.latitude) == "85.0511287799999991");
}

TEST_CASE("geo bits of a score follow x86-64's double to uint64_t conversion") {
  CHECK(bits_of_score(-1.0) == ~0ULL);
  CHECK(bits_of_score(-1.5) == ~0ULL);
  CHECK(bits_of_score(1.5) == 1);
  CHECK(bits_of_score(1e20) == 0);
  CHECK(bits_of_score(std::numeric_limits<double>::infinity()) == 0);
  CHECK(bits_of_score(-std::numeric_limits<double>::infinity()) == 1ULL << 63U);
  CHECK(bits_of_score(-9.3e18) == 1ULL << 63U);
  CHECK(bits_of_score(9223372036854775808.0) == 1ULL << 63U);
  CHECK(bits_of_score(18446744073709551616.0) == 0);
  CHECK(bits_of_score(1e19) == 0x8AC7230489E80000ULL);
  CHECK(bits_of_score(std::numeric_limits<double>::quiet_NaN()) == 1ULL << 63U);
}

TEST_CASE("geo positions of scores that are not geohashes match GEOPOS on a ZADD member") {
  struct Case {
    double score;
    const char* longitude;
    const char* latitude;
  };
  const Case cases[] = {
      {-1, "180", "85.0511287799999991"},
      {1e20, "-179.99999731779098511", "-85.05112751263942528"},
      {std::numeric_limits<double>::infinity(), "-179.99999731779098511", "-85.05112751263942528"},
      {-std::numeric_limits<double>::infinity(), "180", "-85.05112751263942528"},
      {1.5, "-179.99999731779098511", "-85.05112497791824921"},
      {4503599627370495.0, "179.99999731779098511", "85.05112751263942528"},
      {9007199254740992.0, "180", "-85.05112751263942528"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.score);
    const Position p = position_of_score(c.score);
    CHECK(text(p.longitude) == c.longitude);
    CHECK(text(p.latitude) == c.latitude);
  }
}

TEST_CASE("geo standard geohash is GEOHASH's 11 characters") {
  CHECK(standard_geohash(position_of_score(score_of(kPalermo))) == "sqc8b49rny0");
  CHECK(standard_geohash(position_of_score(score_of(kCatania))) == "sqdtr74hyu0");
  CHECK(standard_geohash(position_of_score(1791875672646935.0)) == "dr5ru6j28h0");
  CHECK(standard_geohash(position_of_score(2163557714838307.0)) == "gcpvj0e54w0");
  CHECK(standard_geohash(position_of_score(3383689304373151.0)) == "s1c2vs2q5r0");
  CHECK(standard_geohash(position_of_score(2533788291704463.0)) == "k0ckmw0r570");
}

TEST_CASE("geo standard geohash of odd scores matches GEOHASH on a ZADD member") {
  CHECK(standard_geohash(position_of_score(-1)) == "bp05b5048p0");
  CHECK(standard_geohash(position_of_score(1e20)) == "00bh0hbj200");
  CHECK(standard_geohash(position_of_score(1.5)) == "00bh0hbj210");
  CHECK(standard_geohash(position_of_score(4503599627370495.0)) == "zzpgzgpfxz0");
}

TEST_CASE("geo distance is Redis's haversine to the last bit") {
  const Position palermo = position_of_score(score_of(kPalermo));
  const Position catania = position_of_score(score_of(kCatania));
  const Position nyc = position_of_score(1791875672646935.0);
  const Position london = position_of_score(2163557714838307.0);
  // STOREDIST stores distance / unit, so compare the same division.
  CHECK(distance_meters(palermo, catania) / 1000 == score_text("166.27415156960032"));
  CHECK(distance_meters(nyc, london) / 1000 == score_text("5568.0004397178354"));
  CHECK(distance_meters(Position{15, 37}, catania) / 1000 == score_text("56.441257870158204"));
  CHECK(distance_meters(Position{15, 37}, palermo) / 1000 == score_text("190.44242984775784"));
}

TEST_CASE("geo distance along one meridian takes the latitude-only path") {
  const Position north = position_of_score(3383689304373151.0);  // GEOADD 2.0 10.0
  const Position south = position_of_score(2533788291704463.0);  // GEOADD 2.0 -40.0
  REQUIRE(north.longitude == south.longitude);
  CHECK(distance_meters(north, south) / 1000 == score_text("5561.3150933280194"));
  CHECK(distance_meters(north, south) == latitude_distance_meters(north.latitude, south.latitude));
}

TEST_CASE("geo radius test includes a point exactly at the radius") {
  const Position palermo = position_of_score(score_of(kPalermo));
  const Position catania = position_of_score(score_of(kCatania));
  SearchShape shape;
  shape.center = palermo;
  shape.radius = distance_meters(palermo, catania);
  CHECK(distance_if_inside(shape, catania).has_value());
  shape.radius = std::nextafter(shape.radius, 0.0);
  CHECK_FALSE(distance_if_inside(shape, catania).has_value());
}

TEST_CASE("geo box test checks height along the meridian, then width along the point's parallel") {
  // GEOSEARCH FROMLONLAT 14 38 BYBOX <w> <h> km: Palermo is ~13 km north and ~56 km west of
  // the centre, Catania ~55 km south and ~95 km east.
  const Position palermo = position_of_score(score_of(kPalermo));
  const Position catania = position_of_score(score_of(kCatania));
  SearchShape shape;
  shape.kind = SearchShape::Kind::kBox;
  shape.center = {14, 38};
  shape.to_meters = 1000;
  shape.width = 400;
  shape.height = 100;
  CHECK(distance_if_inside(shape, palermo).has_value());
  CHECK_FALSE(distance_if_inside(shape, catania).has_value());  // too far south
  shape.width = 100;
  shape.height = 400;
  CHECK_FALSE(distance_if_inside(shape, palermo).has_value());  // too far west
  shape.width = 400;
  shape.height = 140;
  const auto distance = distance_if_inside(shape, catania);
  REQUIRE(distance.has_value());
  CHECK(*distance == distance_meters(shape.center, catania));  // WITHDIST: from the centre
}

TEST_CASE("geo interleave puts latitude in the even bits and deinterleave undoes it") {
  CHECK(interleave(1, 0) == 1);
  CHECK(interleave(0, 1) == 2);
  CHECK(interleave(0xFFFFFFFFU, 0) == 0x5555555555555555ULL);
  CHECK(interleave(0, 0xFFFFFFFFU) == 0xAAAAAAAAAAAAAAAAULL);
  const Deinterleaved d = deinterleave(interleave(0x12345678U, 0x9ABCDEF0U));
  CHECK(d.even == 0x12345678U);
  CHECK(d.odd == 0x9ABCDEF0U);
}

TEST_CASE("geo encode and decode bracket the position") {
  const auto cell = encode(kLongitudeRange, kLatitudeRange, kPalermo, kScoreStep);
  REQUIRE(cell.has_value());
  CHECK(align_to_52_bits(*cell) == 3479099956230698ULL);
  const CellArea area = decode(kLongitudeRange, kLatitudeRange, *cell);
  CHECK(area.longitude.min <= kPalermo.longitude);
  CHECK(kPalermo.longitude < area.longitude.max);
  CHECK(area.latitude.min <= kPalermo.latitude);
  CHECK(kPalermo.latitude < area.latitude.max);
  CHECK_FALSE(encode(kLongitudeRange, kLatitudeRange, {0, 86}, kScoreStep).has_value());
  CHECK_FALSE(encode(kLongitudeRange, kLatitudeRange, kPalermo, 0).has_value());
}

TEST_CASE("geo search step shrinks with the radius and widens toward the poles") {
  CHECK(estimate_step(0, 0) == 26);
  CHECK(estimate_step(100000, 0) == 7);  // 100 km: 2^8 doublings reach the Mercator half-width
  CHECK(estimate_step(100000, 70) == 6);
  CHECK(estimate_step(100000, -85) == 5);
  CHECK(estimate_step(1, 0) == 24);
  CHECK(estimate_step(1e9, 0) == 1);
}

TEST_CASE("geo score span of a cell covers exactly the scores that share its prefix") {
  const auto cell = encode(kLongitudeRange, kLatitudeRange, kPalermo, 10);
  REQUIRE(cell.has_value());
  const ScoreSpan span = score_span(*cell);
  CHECK(span.max - span.min == std::ldexp(1.0, 52 - 20));
  CHECK(span.min <= score_of(kPalermo));
  CHECK(score_of(kPalermo) < span.max);
}

TEST_CASE("geo search cells for a zero radius are the position's own step-26 cells") {
  SearchShape shape;
  shape.center = kPalermo;
  const SearchCells cells = search_cells(shape);
  CHECK(cells[0].step == 26);
  CHECK(score_span(cells[0]).min == score_of(kPalermo));
  // A zero radius lies inside the centre cell, so every neighbour is dropped.
  for (std::size_t i = 1; i < cells.size(); ++i) CHECK(cells[i].is_zero());
}

TEST_CASE("geo search cells keep the neighbours a radius reaches") {
  SearchShape shape;
  shape.center = {15, 37};
  shape.radius = 200;
  shape.to_meters = 1000;
  const SearchCells cells = search_cells(shape);
  const double catania_score = score_of(kCatania);
  bool covered = false;
  for (const Cell& cell : cells) {
    if (cell.is_zero()) continue;
    const ScoreSpan span = score_span(cell);
    covered = covered || (span.min <= catania_score && catania_score < span.max);
  }
  CHECK(covered);
}

}  // namespace
}  // namespace tern::geo
