// SPDX-License-Identifier: Apache-2.0
// The two rounds every joint aggregate runs (protocols/joint_sum.hpp, protocols/joint_moments.hpp),
// and the checks of a party's own values before them:
// each party additively shares its own encoded vector among all n parties (sharing/additive.hpp),
// adds the shares it holds to get its share of the element-wise sum, and the receivers open that
// (protocols/open.hpp, reveal_shares).
//
// Round 1, party i to each party j != i, one message (little-endian; core/bytes.hpp, core/wire.hpp):
//   u8 kind (1 vector sum, 2 moments), u32 domain bits, u32 frac_bits, f64 max_abs,
//   u64 max_values, u64 length, u32 receiver count, u32 receiver ids (sorted),
//   then `length` elements in the core wire format: party j's share of party i's vector.
// The parameters travel with the shares, so a party that runs with other parameters or another
// vector length is refused by every peer in this same round (size_mismatch for the length,
// invalid_argument for the rest) instead of being added in wrongly or leaving a peer waiting.
// A party that refuses its own input (a value out of range, parameters beyond the limits) sends
// instead u8 0 (abort), u32 errc, a u32-length reason, so its peers fail at once with its reason
// and its error code rather than at their timeout.
// Round 2: each party's share of the sum to each receiver (reveal_shares).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgempc/core/bytes.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/protocols/open.hpp"
#include "edgempc/sharing/additive.hpp"
#include "edgempc/sharing/scheme.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

enum class JointKind : std::uint8_t { abort = 0, vector_sum = 1, moments = 2 };

/// The public parameters of one joint run; every party must send the same.
struct JointHeader {
  JointKind kind = JointKind::vector_sum;
  std::uint32_t frac_bits = 0;
  double max_abs = 0;
  std::uint64_t max_values = 0;  ///< values per party (moments); 1 for a vector sum
  std::uint64_t length = 0;      ///< elements in the shared vector
  std::vector<PartyId> receivers;  ///< sorted, unique, each below the number of parties
};

/// This party's side of a joint run: the parameters and its encoded vector.
template <BatchDomain T>
struct JointInput {
  JointHeader header;
  std::vector<T> values;
};

/// The receivers sorted and unique; empty means every party.
inline std::vector<PartyId> joint_receivers(std::span<const PartyId> asked, std::size_t parties,
                                            const std::string& who) {
  std::vector<PartyId> r;
  if (asked.empty()) {
    for (PartyId p = 0; p < parties; ++p) r.push_back(p);
    return r;
  }
  r.assign(asked.begin(), asked.end());
  for (const PartyId p : r)
    if (p >= parties)
      throw error(errc::invalid_argument, who + ": receiver " + std::to_string(p) + " is not one of the " +
                                              std::to_string(parties) + " parties");
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

inline const char* joint_kind_name(JointKind k) {
  switch (k) {
    case JointKind::abort: return "abort";
    case JointKind::vector_sum: return "a vector sum";
    case JointKind::moments: return "moments";
  }
  return "an unknown kind";
}

template <BatchDomain T>
void write_joint_header(ByteWriter& w, const JointHeader& h) {
  w.u8(static_cast<std::uint8_t>(h.kind));
  w.u32(T::bits);
  w.u32(h.frac_bits);
  w.f64(h.max_abs);
  w.u64(h.max_values);
  w.u64(h.length);
  w.u32(static_cast<std::uint32_t>(h.receivers.size()));
  for (const PartyId p : h.receivers) w.u32(p);
}

/// Reads a peer's round-1 header and throws unless it equals ours; an abort is rethrown as the
/// peer's error. Returns the header's size in bytes.
template <BatchDomain T>
std::size_t check_joint_header(std::span<const std::uint8_t> message, const JointHeader& mine, PartyId from,
                               const std::string& who) {
  ByteReader r(message, who + ": the message of party " + std::to_string(from));
  const std::string peer = who + ": party " + std::to_string(from);
  const auto kind = static_cast<JointKind>(r.u8());
  if (kind == JointKind::abort) {
    const std::uint32_t code = r.u32();
    const std::string reason = r.str();
    // Only codes errc defines: anything else is itself a malformed message.
    const bool known = code >= static_cast<std::uint32_t>(errc::invalid_argument) &&
                       code <= static_cast<std::uint32_t>(errc::message_too_large);
    throw error(known ? static_cast<errc>(code) : errc::malformed_message,
                peer + " refused its input: " + reason);
  }
  if (kind != mine.kind)
    throw error(errc::invalid_argument, peer + " runs " + joint_kind_name(kind) + ", this party " +
                                            joint_kind_name(mine.kind));
  const auto differ = [&](const char* what, const std::string& theirs, const std::string& ours) {
    return error(errc::invalid_argument, peer + " uses " + what + " " + theirs + ", this party " + ours);
  };
  if (const std::uint32_t bits = r.u32(); bits != T::bits)
    throw differ("a domain of bits", std::to_string(bits), std::to_string(T::bits));
  if (const std::uint32_t f = r.u32(); f != mine.frac_bits)
    throw differ("frac_bits", std::to_string(f), std::to_string(mine.frac_bits));
  // Bit-for-bit: the limits derived from max_abs must be the same at every party.
  if (const double b = r.f64(); std::bit_cast<std::uint64_t>(b) != std::bit_cast<std::uint64_t>(mine.max_abs))
    throw differ("max_abs", std::to_string(b), std::to_string(mine.max_abs));
  if (const std::uint64_t m = r.u64(); m != mine.max_values)
    throw differ("max_values", std::to_string(m), std::to_string(mine.max_values));
  if (const std::uint64_t len = r.u64(); len != mine.length)
    throw error(errc::size_mismatch, peer + " holds " + std::to_string(len) + " values, this party " +
                                         std::to_string(mine.length));
  const std::uint32_t count = r.u32();
  bool same = count == mine.receivers.size();
  for (std::uint32_t i = 0; same && i < count; ++i) same = r.u32() == mine.receivers[i];
  if (!same) throw error(errc::invalid_argument, peer + " names other receivers than this party");
  return message.size() - r.left();
}

/// round(max_abs * 2^f): the largest magnitude an encoded value may have. max_abs must be above
/// 0, encodable, and not below the resolution.
template <BatchDomain T>
std::uint64_t joint_value_bound(const FixedPoint<T>& fp, double max_abs, const std::string& who) {
  const auto refuse = [&](const std::string& why) {
    return error(errc::invalid_argument, who + ": max_abs " + std::to_string(max_abs) + " " + why);
  };
  if (!(max_abs > 0) || !std::isfinite(max_abs)) throw refuse("must be a number above 0");
  std::int64_t bound = 0;
  try {
    bound = fp.encode(max_abs).to_int();
  } catch (const error&) {
    throw refuse("does not fit the domain with " + std::to_string(fp.frac_bits()) + " fractional bits");
  }
  if (bound == 0) throw refuse("is below the resolution 2^-" + std::to_string(fp.frac_bits()));
  return static_cast<std::uint64_t>(bound);
}

/// One value encoded, or errc::out_of_range naming it.
template <BatchDomain T>
T joint_encode(const FixedPoint<T>& fp, double x, double max_abs, std::size_t index, const std::string& who) {
  if (!(std::fabs(x) <= max_abs))  // NaN fails too
    throw error(errc::out_of_range, who + ": value " + std::to_string(index) + " (" + std::to_string(x) +
                                        ") is not a number within +-max_abs (" + std::to_string(max_abs) + ")");
  return fp.encode(x);
}

/// Tells every peer this party will not take part; never throws (the peers may be gone).
template <Transport Tr>
void send_joint_abort(Party<Tr>& party, const error& e) noexcept {
  try {
    ByteWriter w;
    w.u8(static_cast<std::uint8_t>(JointKind::abort));
    w.u32(static_cast<std::uint32_t>(e.code().value()));
    w.str(std::string(e.what()).substr(0, 512));
    for (PartyId p = 0; p < party.parties(); ++p)
      if (p != party.id()) party.send_bytes(p, w.bytes());
  } catch (...) {
    // Best effort: the caller rethrows the original error, which is what matters here.
  }
}

/// The two rounds. `prepare()` checks the parameters and this party's values and returns the
/// JointInput; an edgempc::error from it is sent to the peers as an abort and rethrown.
/// Returns the element-wise sum of every party's vector to the receivers, nullopt to the others.
template <BatchDomain T, Transport Tr, class Prepare>
[[nodiscard]] std::optional<std::vector<T>> joint_sum(Party<Tr>& party, Prg& prg, const std::string& who,
                                                      Prepare&& prepare) {
  JointInput<T> in;
  try {
    in = std::forward<Prepare>(prepare)();
  } catch (const error& e) {
    send_joint_abort(party, e);
    throw;
  }
  const std::size_t n = party.parties();
  // Round 1: party j gets its share of my vector, behind the parameters it must agree with.
  const auto shares = share_additive<T>(prg, in.values, n);
  ByteWriter header;
  write_joint_header<T>(header, in.header);
  for (PartyId p = 0; p < n; ++p) {
    if (p == party.id()) continue;
    std::vector<std::uint8_t> message = header.bytes();
    const auto body = wire::encode<T>(shares[p]);
    message.insert(message.end(), body.begin(), body.end());
    party.send_bytes(p, message);
  }
  std::vector<T> sum = shares[party.id()];
  for (PartyId p = 0; p < n; ++p) {
    if (p == party.id()) continue;
    const auto message = party.receive_bytes(p);
    const std::size_t at = check_joint_header<T>(message, in.header, p, who);
    const auto theirs = wire::decode<T>(std::span<const std::uint8_t>(message).subspan(at), sum.size());
    batch::add<T>(sum, theirs, sum);
  }
  // Round 2: only the receivers learn the sum.
  return reveal_shares(party, AdditiveScheme<T>(n), std::span<const T>(sum), in.header.receivers);
}

}  // namespace detail

EDGEMPC_END_NAMESPACE
