#pragma once
// One origin's ops as they travel between regions (README.md, "Positions are stamps").
#include <string>

#include "crdt/stamp.h"
#include "crdt/stamp_vector.h"

namespace tern::shipping {

struct ShippedBatch {
  crdt::RegionId origin;
  crdt::Stamp prev;               // the origin's greatest stamp before this batch (zero: none)
  crdt::Stamp last;               // the greatest stamp in this batch
  crdt::StampVector context;      // everything the ops' origin had applied when making them
  std::string ops;                // a serialized tern.wire.OpBatch, opaque here
};

}  // namespace tern::shipping
