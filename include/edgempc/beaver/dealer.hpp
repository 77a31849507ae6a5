// SPDX-License-Identifier: Apache-2.0
// A trusted dealer: a helper node that makes Beaver triples for n parties and sends each its
// shares over the (secure) network.
//
// Security model. The dealer knows every triple, so it must not collude with any computing
// party: a dealer that also sees one party's view of the online phase learns that party's
// peers' inputs. It never sees inputs or outputs. Parties are semi-honest; the channel from the
// dealer must be authenticated and encrypted (SecureTransport), or a network observer learns
// the triples too.
//
// Additive triples are PRG-compressed, as in SPDZ-style preprocessing (Damgård, Pastro, Smart,
// Zakarias, CRYPTO 2012, sec. 5): party i < n-1 gets a 32-byte seed from which it expands its
// a_i, b_i and c_i; the last party gets a seed for a_{n-1}, b_{n-1} and one correction vector
// c_{n-1} = a*b - sum_{i<n-1} c_i. Dealing m triples sends 32 bytes to each of n-1 parties and
// 32 bytes + m elements to the last. Shamir triples cannot be compressed this way and are sent
// whole (3m elements per party).
//
// Message format (all little-endian): kind (1 byte: 1 seed only, 2 seed + correction, 3 whole
// Shamir triples), domain bits (1 byte), expansion PRG (1 byte), count (8 bytes), then the
// 32-byte seed (kinds 1, 2), the m-element correction (kind 2) or a|b|c (kind 3). The receiver
// states how many triples it expects and checks every field before it allocates anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/beaver/triples.hpp"
#include "edgempc/core/batch.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/party.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail::dealer {

enum class Kind : std::uint8_t { seed = 1, seed_and_correction = 2, shamir = 3 };
inline constexpr std::size_t header_size = 3 + 8;

template <BatchDomain T>
std::vector<std::uint8_t> header(Kind kind, PrgAlgorithm expansion, std::size_t count, std::size_t body) {
  std::vector<std::uint8_t> m(header_size + body);
  m[0] = static_cast<std::uint8_t>(kind);
  m[1] = static_cast<std::uint8_t>(T::bits);
  m[2] = static_cast<std::uint8_t>(expansion);
  store_le<std::uint64_t>(m.data() + 3, count);
  return m;
}

/// a_i, b_i (and c_i unless `with_c` is false) from a seed.
template <BatchDomain T>
void expand(const Prg::Seed& seed, PrgAlgorithm algorithm, std::span<T> a, std::span<T> b, std::span<T> c) {
  Prg prg(seed, algorithm);
  batch::random_fill<T>(prg, a);
  batch::random_fill<T>(prg, b);
  if (!c.empty()) batch::random_fill<T>(prg, c);
}

}  // namespace detail::dealer

/// Makes triples for `parties` parties; one message per party, to be sent by deal_triples.
template <BatchDomain T>
class TrustedDealer {
 public:
  /// `expansion` is the PRG the parties expand seeds with: ChaCha20 by default, because the
  /// dealer cannot know whether every party's CPU has AES-NI.
  explicit TrustedDealer(std::size_t parties, PrgAlgorithm expansion = PrgAlgorithm::chacha20)
      : parties_(parties), expansion_(expansion) {
    if (parties == 0) throw error(errc::invalid_argument, "TrustedDealer: no parties");
    if (!prg_algorithm_supported(expansion))
      throw error(errc::unsupported, "TrustedDealer: this CPU cannot run the chosen expansion PRG");
  }

  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }

  /// Additive triples, PRG-compressed: message i is for party i.
  [[nodiscard]] std::vector<std::vector<std::uint8_t>> additive(Prg& prg, std::size_t count) const {
    using detail::dealer::Kind;
    std::vector<std::vector<std::uint8_t>> messages(parties_);
    std::vector<T> a(count), b(count), c(count), ai(count), bi(count), ci(count);
    for (std::size_t i = 0; i < parties_; ++i) {
      Prg::Seed seed;
      prg.fill(seed.data(), seed.size());
      const bool last = i + 1 == parties_;
      detail::dealer::expand<T>(seed, expansion_, ai, bi, last ? std::span<T>() : std::span<T>(ci));
      if (i == 0) {
        a = ai, b = bi, c.assign(count, T::zero());
      } else {
        batch::add<T>(a, ai, a);
        batch::add<T>(b, bi, b);
      }
      const std::size_t body = Prg::seed_size + (last ? wire::encoded_size<T>(count) : 0);
      auto& m = messages[i];
      m = detail::dealer::header<T>(last ? Kind::seed_and_correction : Kind::seed, expansion_, count, body);
      std::copy(seed.begin(), seed.end(), m.begin() + detail::dealer::header_size);
      secure_wipe(seed.data(), seed.size());
      if (!last) {
        batch::add<T>(c, ci, c);
        continue;
      }
      // c_last = a * b - (c_0 + ... + c_{n-2})
      batch::mul<T>(a, b, ai);
      batch::sub<T>(ai, c, ai);
      wire::encode<T>(ai, std::span(m).subspan(detail::dealer::header_size + Prg::seed_size));
    }
    for (auto* v : {&a, &b, &c, &ai, &bi, &ci}) secure_wipe(v->data(), v->size() * sizeof(T));
    return messages;
  }

  /// Shamir-shared triples over Mersenne61 (degree t of `shamir`): message i is for party i.
  [[nodiscard]] std::vector<std::vector<std::uint8_t>> shamir(Prg& prg, const Shamir& shamir, std::size_t count) const
    requires std::same_as<T, Mersenne61>
  {
    if (shamir.parties() != parties_)
      throw error(errc::invalid_argument, "TrustedDealer::shamir: the scheme has " + std::to_string(shamir.parties()) +
                                              " parties, the dealer " + std::to_string(parties_));
    std::vector<T> a(count), b(count), c(count);
    batch::random_fill<T>(prg, a);
    batch::random_fill<T>(prg, b);
    batch::mul<T>(a, b, c);
    const auto sa = shamir.share(prg, a), sb = shamir.share(prg, b), sc = shamir.share(prg, c);
    std::vector<std::vector<std::uint8_t>> messages(parties_);
    const std::size_t part = wire::encoded_size<T>(count);
    for (std::size_t i = 0; i < parties_; ++i) {
      auto& m = messages[i];
      m = detail::dealer::header<T>(detail::dealer::Kind::shamir, expansion_, count, 3 * part);
      auto body = std::span(m).subspan(detail::dealer::header_size);
      wire::encode<T>(sa[i], body.subspan(0, part));
      wire::encode<T>(sb[i], body.subspan(part, part));
      wire::encode<T>(sc[i], body.subspan(2 * part, part));
    }
    for (auto* v : {&a, &b, &c}) secure_wipe(v->data(), v->size() * sizeof(T));
    return messages;
  }

 private:
  std::size_t parties_;
  PrgAlgorithm expansion_;
};

/// One party's triples from its dealer message. `count` is how many the party expects; any
/// other message (wrong kind, domain, count or length) is errc::malformed_message.
template <BatchDomain T>
[[nodiscard]] Triples<T> open_triples(std::span<const std::uint8_t> message, std::size_t count) {
  using detail::dealer::Kind;
  const auto bad = [](const std::string& why) { return error(errc::malformed_message, "dealer message: " + why); };
  if (message.size() < detail::dealer::header_size) throw bad("shorter than its header");
  const auto kind = static_cast<Kind>(message[0]);
  if (message[1] != T::bits)
    throw bad("triples over a " + std::to_string(message[1]) + "-bit domain, expected " + std::to_string(T::bits));
  const auto announced = detail::load_le<std::uint64_t>(message.data() + 3);
  if (announced != count) throw bad(std::to_string(announced) + " triples, expected " + std::to_string(count));
  const auto body = message.subspan(detail::dealer::header_size);
  const std::size_t part = wire::encoded_size<T>(count);
  std::vector<T> a(count), b(count), c(count);
  switch (kind) {
    case Kind::seed:
    case Kind::seed_and_correction: {
      const auto algorithm = static_cast<PrgAlgorithm>(message[2]);
      if (algorithm != PrgAlgorithm::chacha20 && algorithm != PrgAlgorithm::aes128_ctr) throw bad("unknown PRG");
      const std::size_t want = Prg::seed_size + (kind == Kind::seed_and_correction ? part : 0);
      if (body.size() != want) throw bad(std::to_string(body.size()) + " body bytes, expected " + std::to_string(want));
      Prg::Seed seed;
      std::copy_n(body.begin(), seed.size(), seed.begin());
      const bool last = kind == Kind::seed_and_correction;
      detail::dealer::expand<T>(seed, algorithm, a, b, last ? std::span<T>() : std::span<T>(c));
      secure_wipe(seed.data(), seed.size());
      if (last) wire::decode<T>(body.subspan(Prg::seed_size), c);
      break;
    }
    case Kind::shamir:
      if (body.size() != 3 * part)
        throw bad(std::to_string(body.size()) + " body bytes, expected " + std::to_string(3 * part));
      wire::decode<T>(body.subspan(0, part), a);
      wire::decode<T>(body.subspan(part, part), b);
      wire::decode<T>(body.subspan(2 * part, part), c);
      break;
    default:
      throw bad("unknown kind " + std::to_string(message[0]));
  }
  return Triples<T>(std::move(a), std::move(b), std::move(c));
}

/// The dealer's side: messages[k] goes to recipients[k].
template <Transport Tr>
void deal_triples(Party<Tr>& channel, std::span<const PartyId> recipients,
                  std::span<const std::vector<std::uint8_t>> messages) {
  if (recipients.size() != messages.size())
    throw error(errc::size_mismatch, "deal_triples: " + std::to_string(messages.size()) + " messages for " +
                                         std::to_string(recipients.size()) + " recipients");
  for (std::size_t k = 0; k < recipients.size(); ++k) channel.send_bytes(recipients[k], messages[k]);
}

/// A party's side: `count` triples from `dealer`.
template <BatchDomain T, Transport Tr>
[[nodiscard]] Triples<T> receive_triples(Party<Tr>& channel, PartyId dealer, std::size_t count) {
  const auto message = channel.receive_bytes(dealer);
  return open_triples<T>(message, count);
}

EDGEMPC_END_NAMESPACE
