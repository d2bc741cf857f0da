#pragma once
// Redis's geohash: the sorted-set score GEOADD gives a position, and the arithmetic every GEO
// command does on it. Pure functions on numbers; no RESP, no keyspace.
//
// A position is encoded at step 26: longitude over [-180, 180] and latitude over
// [-85.05112878, 85.05112878] (the Web Mercator limits, EPSG:3785) are each cut into 2^26
// slices, and the two slice numbers are interleaved, latitude in the even bits, into a 52-bit
// integer that is the member's score. Decoding gives the centre of the cell, so a position
// reads back rounded to about 0.6 m.
//
// tern must send the bytes redis-server 7.0 sends, and GEOPOS prints 17 decimals, so every
// formula here follows Redis's src/geohash.c and src/geohash_helper.c operation for operation:
// the same order of floating-point operations, the same earth radius (6372797.560856 m), the
// same haversine with its shortcut for equal longitudes, the same nine-cell search area. Two
// quirks are kept on purpose, because Redis has them:
//  - a score that is not a geohash (a member added with ZADD) becomes bits the way x86-64
//    converts a double to uint64_t (negative numbers wrap, 2^64 and above give 0), and the
//    decoded centre is then clamped into range, as Redis does on the machines tern targets;
//  - the search area's neighbour cells wrap around at the edges of the map, and the search
//    scans the nine cells as Redis does, so a member Redis's cells miss (very large radii,
//    centres near the poles) is missed here too.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::geo {

inline constexpr double kLongitudeMin = -180.0;
inline constexpr double kLongitudeMax = 180.0;
inline constexpr double kLatitudeMin = -85.05112878;
inline constexpr double kLatitudeMax = 85.05112878;
inline constexpr std::uint8_t kScoreStep = 26;                // 26 bits per axis: 52-bit scores
inline constexpr double kEarthRadiusMeters = 6372797.560856;  // Redis's quadratic mean radius

struct Position {
  double longitude = 0;
  double latitude = 0;
};

struct Range {
  double min = 0;
  double max = 0;
};

// A cell of the grid at `step` (GeoHashBits): 2 * step interleaved bits. The all-zero cell
// (bits 0, step 0) marks a search-area slot that is not scanned.
struct Cell {
  std::uint64_t bits = 0;
  std::uint8_t step = 0;
  [[nodiscard]] bool is_zero() const { return bits == 0 && step == 0; }
  bool operator==(const Cell&) const = default;
};

struct CellArea {
  Range longitude;
  Range latitude;
};

// Redis's ranges (GEOADD's valid pairs) and the standard geohash's ranges (GEOHASH's strings).
inline constexpr Range kLongitudeRange{kLongitudeMin, kLongitudeMax};
inline constexpr Range kLatitudeRange{kLatitudeMin, kLatitudeMax};
inline constexpr Range kStandardLatitudeRange{-90.0, 90.0};

// True when GEOADD and FROMLONLAT accept the pair (the bounds are inclusive).
[[nodiscard]] bool is_valid_position(Position position);

// `even` goes to the even bits (0, 2, ...), `odd` to the odd bits; each gives its low 32 bits.
[[nodiscard]] std::uint64_t interleave(std::uint32_t even, std::uint32_t odd);
struct Deinterleaved {
  std::uint32_t even = 0;  // latitude slice
  std::uint32_t odd = 0;   // longitude slice
};
[[nodiscard]] Deinterleaved deinterleave(std::uint64_t bits);

// The cell holding `position` at `step` (1..32) over the given ranges; nullopt when the position
// is outside Redis's limits or the ranges, as geohashEncode refuses.
[[nodiscard]] std::optional<Cell> encode(Range longitude_range, Range latitude_range,
                                         Position position, std::uint8_t step);
// The cell's bounds over the given ranges (geohashDecode).
[[nodiscard]] CellArea decode(Range longitude_range, Range latitude_range, Cell cell);
// The cell's bits shifted to the top of 52 bits: the lowest score inside the cell.
[[nodiscard]] std::uint64_t align_to_52_bits(Cell cell);

// GEOADD's score for a valid position.
[[nodiscard]] double score_of(Position position);
// The bits Redis reads from a score: `(uint64_t)score` as x86-64 computes it.
[[nodiscard]] std::uint64_t bits_of_score(double score);
// The position a score stands for (GEOPOS): the centre of its step-26 cell, clamped to range.
[[nodiscard]] Position position_of_score(double score);
// GEOHASH's 11-character string: the position re-encoded over latitude [-90, 90]; 52 bits give
// ten characters and the eleventh is always '0'.
[[nodiscard]] std::string standard_geohash(Position position);

// Great-circle distance in meters (Redis's haversine; equal longitudes take the exact
// latitude-only path).
[[nodiscard]] double distance_meters(Position from, Position to);
// Distance along a meridian in meters.
[[nodiscard]] double latitude_distance_meters(double latitude_from, double latitude_to);

// What GEOSEARCH looks inside. Sizes are in the request's unit; `to_meters` converts them.
struct SearchShape {
  enum class Kind : std::uint8_t { kRadius, kBox };
  Kind kind = Kind::kRadius;
  Position center;
  double radius = 0;
  double width = 0;
  double height = 0;
  double to_meters = 1;
};

// The distance in meters from the shape's centre to `point` when the point is inside: within
// the radius (distance <= radius), or for a box, within half the height along the meridian and
// then within half the width along the point's own parallel. nullopt when outside.
[[nodiscard]] std::optional<double> distance_if_inside(const SearchShape& shape, Position point);

// The step of the search cells for a radius at a latitude (geohashEstimateStepsByRadius).
[[nodiscard]] std::uint8_t estimate_step(double radius_meters, double latitude);
// The shape's bounding box: min longitude, min latitude, max longitude, max latitude.
struct BoundingBox {
  double min_longitude = 0;
  double min_latitude = 0;
  double max_longitude = 0;
  double max_latitude = 0;
};
[[nodiscard]] BoundingBox bounding_box(const SearchShape& shape);

// The nine cells Redis scans, in its order: the centre's cell, then north, south, east, west,
// north-east, north-west, south-east, south-west. Zero cells are not scanned.
using SearchCells = std::array<Cell, 9>;
[[nodiscard]] SearchCells search_cells(const SearchShape& shape);

// The scores inside a cell: min <= score < max.
struct ScoreSpan {
  double min = 0;
  double max = 0;
};
[[nodiscard]] ScoreSpan score_span(Cell cell);

}  // namespace tern::geo
