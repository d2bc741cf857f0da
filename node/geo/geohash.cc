#include "node/geo/geohash.h"

#include <cmath>
#include <numbers>

namespace tern::geo {
namespace {

// Redis converts degrees with the double nearest pi/180 (M_PI / 180.0, folded at compile time).
constexpr double kRadiansPerDegree = std::numbers::pi / 180.0;
// Redis stops doubling a radius once it reaches the half-width of the Mercator map.
constexpr double kMercatorMax = 20037726.37;
constexpr double kTwoToThe63 = 9223372036854775808.0;

double radians(double degrees) { return degrees * kRadiansPerDegree; }
double degrees(double radians) { return radians / kRadiansPerDegree; }

// Spreads the 32 bits of `v` over the even bits of the result.
std::uint64_t spread_to_even_bits(std::uint32_t v) {
  std::uint64_t x = v;
  x = (x | (x << 16U)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8U)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4U)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2U)) & 0x3333333333333333ULL;
  x = (x | (x << 1U)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bits of `x` into 32 bits.
std::uint32_t gather_even_bits(std::uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1U)) & 0x3333333333333333ULL;
  x = (x | (x >> 2U)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4U)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8U)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16U)) & 0x00000000FFFFFFFFULL;
  return static_cast<std::uint32_t>(x);
}

// cvttsd2si: truncation toward zero, and 0x8000000000000000 for NaN and anything out of the
// int64 range. Written without the undefined behaviour a plain cast has there.
std::uint64_t truncate_as_x86(double v) {
  if (v >= -kTwoToThe63 && v < kTwoToThe63) {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
  }
  return 1ULL << 63U;
}

double clamp(double v, double low, double high) {
  if (v > high) return high;
  if (v < low) return low;
  return v;
}

// The cell `longitude_delta` columns east and `latitude_delta` rows north of `cell`, wrapping
// around the edges of the grid as Redis's geohash_move_x/geohash_move_y do. Only a moved axis
// is cut to `step` bits: an unmoved one keeps the overflow slice 2^step that a position on the
// max edge (longitude 180, latitude 85.05112878) encodes to, as in Redis.
Cell neighbour(Cell cell, int longitude_delta, int latitude_delta) {
  const std::uint32_t slices_mask =
      cell.step >= 32 ? 0xFFFFFFFFU : static_cast<std::uint32_t>((1ULL << cell.step) - 1);
  const auto moved = [&](std::uint32_t slice, int delta) {
    if (delta == 0) return slice;
    return static_cast<std::uint32_t>(slice + static_cast<std::uint32_t>(delta)) & slices_mask;
  };
  const Deinterleaved slices = deinterleave(cell.bits);
  return {interleave(moved(slices.even, latitude_delta), moved(slices.odd, longitude_delta)),
          cell.step};
}

}  // namespace

bool is_valid_position(Position position) {
  return !(position.longitude < kLongitudeMin || position.longitude > kLongitudeMax ||
           position.latitude < kLatitudeMin || position.latitude > kLatitudeMax);
}

std::uint64_t interleave(std::uint32_t even, std::uint32_t odd) {
  return spread_to_even_bits(even) | (spread_to_even_bits(odd) << 1U);
}

Deinterleaved deinterleave(std::uint64_t bits) {
  return {gather_even_bits(bits), gather_even_bits(bits >> 1U)};
}

std::optional<Cell> encode(Range longitude_range, Range latitude_range, Position position,
                           std::uint8_t step) {
  if (step == 0 || step > 32) return std::nullopt;
  if (!is_valid_position(position)) return std::nullopt;
  if (position.latitude < latitude_range.min || position.latitude > latitude_range.max ||
      position.longitude < longitude_range.min || position.longitude > longitude_range.max) {
    return std::nullopt;
  }
  // The offsets are fractions of the range in [0, 1]; 1 (the max edge) gives slice 2^step,
  // one past the last, which is what Redis stores for longitude 180 or latitude 85.05112878.
  double latitude_offset =
      (position.latitude - latitude_range.min) / (latitude_range.max - latitude_range.min);
  double longitude_offset =
      (position.longitude - longitude_range.min) / (longitude_range.max - longitude_range.min);
  const auto slices = static_cast<double>(1ULL << step);
  latitude_offset *= slices;
  longitude_offset *= slices;
  return Cell{interleave(static_cast<std::uint32_t>(latitude_offset),
                         static_cast<std::uint32_t>(longitude_offset)),
              step};
}

CellArea decode(Range longitude_range, Range latitude_range, Cell cell) {
  const Deinterleaved slices = deinterleave(cell.bits);
  const double latitude_scale = latitude_range.max - latitude_range.min;
  const double longitude_scale = longitude_range.max - longitude_range.min;
  const auto count = static_cast<double>(1ULL << cell.step);
  // `slice + 1` is 32-bit arithmetic, as in Redis: the last slice of a 32-bit field wraps to 0.
  const auto next_latitude = static_cast<std::uint32_t>(slices.even + 1U);
  const auto next_longitude = static_cast<std::uint32_t>(slices.odd + 1U);
  CellArea area;
  area.latitude.min =
      latitude_range.min + (static_cast<double>(slices.even) / count) * latitude_scale;
  area.latitude.max =
      latitude_range.min + (static_cast<double>(next_latitude) / count) * latitude_scale;
  area.longitude.min =
      longitude_range.min + (static_cast<double>(slices.odd) / count) * longitude_scale;
  area.longitude.max =
      longitude_range.min + (static_cast<double>(next_longitude) / count) * longitude_scale;
  return area;
}

std::uint64_t align_to_52_bits(Cell cell) { return cell.bits << (52U - cell.step * 2U); }

double score_of(Position position) {
  const auto cell = encode(kLongitudeRange, kLatitudeRange, position, kScoreStep);
  return cell ? static_cast<double>(align_to_52_bits(*cell)) : 0.0;
}

std::uint64_t bits_of_score(double score) {
  if (score >= kTwoToThe63) return truncate_as_x86(score - kTwoToThe63) ^ (1ULL << 63U);
  return truncate_as_x86(score);
}

Position position_of_score(double score) {
  const CellArea area =
      decode(kLongitudeRange, kLatitudeRange, Cell{bits_of_score(score), kScoreStep});
  return {clamp((area.longitude.min + area.longitude.max) / 2, kLongitudeMin, kLongitudeMax),
          clamp((area.latitude.min + area.latitude.max) / 2, kLatitudeMin, kLatitudeMax)};
}

std::string standard_geohash(Position position) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  const auto cell = encode(kLongitudeRange, kStandardLatitudeRange, position, kScoreStep);
  const std::uint64_t bits = cell ? cell->bits : 0;
  std::string text(11, '0');  // the eleventh character has no bits behind it: always '0'
  for (std::size_t i = 0; i < 10; ++i) {
    text[i] = kAlphabet[(bits >> (52U - (i + 1) * 5U)) & 0x1FU];
  }
  return text;
}

double latitude_distance_meters(double latitude_from, double latitude_to) {
  return kEarthRadiusMeters * std::fabs(radians(latitude_to) - radians(latitude_from));
}

double distance_meters(Position from, Position to) {
  const double longitude_from = radians(from.longitude);
  const double longitude_to = radians(to.longitude);
  const double v = std::sin((longitude_to - longitude_from) / 2);
  // Same meridian: the haversine reduces to the latitude difference (asin(sin(x)) = x).
  if (v == 0.0) return latitude_distance_meters(from.latitude, to.latitude);
  const double latitude_from = radians(from.latitude);
  const double latitude_to = radians(to.latitude);
  const double u = std::sin((latitude_to - latitude_from) / 2);
  const double a = u * u + std::cos(latitude_from) * std::cos(latitude_to) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

std::optional<double> distance_if_inside(const SearchShape& shape, Position point) {
  if (shape.kind == SearchShape::Kind::kRadius) {
    const double distance = distance_meters(shape.center, point);
    if (distance > shape.radius * shape.to_meters) return std::nullopt;
    return distance;
  }
  const double width_meters = shape.width * shape.to_meters;
  const double height_meters = shape.height * shape.to_meters;
  // The cheaper latitude test first, as Redis does; the width is measured along the point's
  // own parallel.
  if (latitude_distance_meters(point.latitude, shape.center.latitude) > height_meters / 2)
    return std::nullopt;
  const double longitude_distance =
      distance_meters(point, Position{shape.center.longitude, point.latitude});
  if (longitude_distance > width_meters / 2) return std::nullopt;
  return distance_meters(shape.center, point);
}

std::uint8_t estimate_step(double radius_meters, double latitude) {
  if (radius_meters == 0) return kScoreStep;
  int step = 1;
  while (radius_meters < kMercatorMax) {
    radius_meters *= 2;
    ++step;
  }
  step -= 2;  // so the radius fits in the nine cells in most cases
  // Meridians converge toward the poles: widen the cells there.
  if (latitude > 66 || latitude < -66) {
    --step;
    if (latitude > 80 || latitude < -80) --step;
  }
  if (step < 1) step = 1;
  if (step > kScoreStep) step = kScoreStep;
  return static_cast<std::uint8_t>(step);
}

BoundingBox bounding_box(const SearchShape& shape) {
  const bool radius = shape.kind == SearchShape::Kind::kRadius;
  const double height = shape.to_meters * (radius ? shape.radius : shape.height / 2);
  const double width = shape.to_meters * (radius ? shape.radius : shape.width / 2);
  const double latitude = shape.center.latitude;
  const double longitude = shape.center.longitude;
  const double latitude_delta = degrees(height / kEarthRadiusMeters);
  const double longitude_delta_top =
      degrees(width / kEarthRadiusMeters / std::cos(radians(latitude + latitude_delta)));
  const double longitude_delta_bottom =
      degrees(width / kEarthRadiusMeters / std::cos(radians(latitude - latitude_delta)));
  // The widest parallel is the one nearer the equator.
  const bool southern = latitude < 0;
  BoundingBox box;
  box.min_longitude =
      southern ? longitude - longitude_delta_bottom : longitude - longitude_delta_top;
  box.max_longitude =
      southern ? longitude + longitude_delta_bottom : longitude + longitude_delta_top;
  box.min_latitude = latitude - latitude_delta;
  box.max_latitude = latitude + latitude_delta;
  return box;
}

SearchCells search_cells(const SearchShape& shape) {
  const BoundingBox box = bounding_box(shape);
  double radius_meters = shape.kind == SearchShape::Kind::kRadius
                             ? shape.radius
                             : std::sqrt((shape.width / 2) * (shape.width / 2) +
                                         (shape.height / 2) * (shape.height / 2));
  radius_meters *= shape.to_meters;
  std::uint8_t step = estimate_step(radius_meters, shape.center.latitude);

  const auto cells_at = [&](std::uint8_t s) {
    const Cell center =
        encode(kLongitudeRange, kLatitudeRange, shape.center, s).value_or(Cell{0, s});
    return SearchCells{center,
                       neighbour(center, 0, 1),     // north
                       neighbour(center, 0, -1),    // south
                       neighbour(center, 1, 0),     // east
                       neighbour(center, -1, 0),    // west
                       neighbour(center, 1, 1),     // north-east
                       neighbour(center, -1, 1),    // north-west
                       neighbour(center, 1, -1),    // south-east
                       neighbour(center, -1, -1)};  // south-west
  };
  SearchCells cells = cells_at(step);

  // Near a cell edge the estimated step can leave part of the box outside the nine cells:
  // then use cells twice as large.
  const CellArea north = decode(kLongitudeRange, kLatitudeRange, cells[1]);
  const CellArea south = decode(kLongitudeRange, kLatitudeRange, cells[2]);
  const CellArea east = decode(kLongitudeRange, kLatitudeRange, cells[3]);
  const CellArea west = decode(kLongitudeRange, kLatitudeRange, cells[4]);
  const bool too_small =
      north.latitude.max < box.max_latitude || south.latitude.min > box.min_latitude ||
      east.longitude.max < box.max_longitude || west.longitude.min > box.min_longitude;
  if (step > 1 && too_small) {
    --step;
    cells = cells_at(step);
  }

  // Drop the neighbours the box cannot reach.
  if (step >= 2) {
    const CellArea area = decode(kLongitudeRange, kLatitudeRange, cells[0]);
    if (area.latitude.min < box.min_latitude) cells[2] = cells[8] = cells[7] = Cell{};
    if (area.latitude.max > box.max_latitude) cells[1] = cells[5] = cells[6] = Cell{};
    if (area.longitude.min < box.min_longitude) cells[4] = cells[8] = cells[6] = Cell{};
    if (area.longitude.max > box.max_longitude) cells[3] = cells[7] = cells[5] = Cell{};
  }
  return cells;
}

ScoreSpan score_span(Cell cell) {
  const std::uint64_t min = align_to_52_bits(cell);
  const std::uint64_t max = align_to_52_bits(Cell{cell.bits + 1, cell.step});
  return {static_cast<double>(min), static_cast<double>(max)};
}

}  // namespace tern::geo
