// SPDX-License-Identifier: Apache-2.0
// Client submissions: a device's shares of its readings, sealed for one gateway.
//
// Each share vector is encrypted and authenticated for exactly one gateway with libsodium's
// crypto_box (X25519 + XSalsa20-Poly1305, the NaCl box of D. J. Bernstein et al.), so a relay
// between device and gateway learns nothing about the share and cannot forge or alter one.
// The X25519 shared key is computed once per (client, gateway) pair (crypto_box_beforenm) and
// kept, so sealing and opening cost only the symmetric cipher and MAC (crypto_box_*_afternm).
//
// Wire format of one submission (all integers little-endian):
//
//   offset  size        field
//   0       4           client id (ClientId, the compact index from platform/enrolment.hpp)
//   4       4           round
//   8       4           sequence number within the client's stream
//   12      16          Poly1305 tag (crypto_box_MACBYTES)
//   28      8 * count   the shares, XSalsa20-encrypted: wire::encode of `count` elements
//
// count (1 to max_batch = 1000) follows from the length: count = (size - 28) / T::byte_width.
// A single reading is 36 bytes (<= 48), a batch of 64 is 540 bytes (8.44 bytes per reading).
//
// No nonce is sent: both sides derive it (24 bytes) from what the message already says,
//
//   0: 0xE5 (submission), 1: format version 1, 2: direction 1 (client -> gateway),
//   3: domain tag (1 Mersenne61, 2 Z2k<64>, 3 Z2k<32>), 4..7: gateway index,
//   8..11: client id, 12..15: round, 16..19: sequence, 20..23: zero,
//
// so every header field is authenticated: changing one changes the nonce and the tag fails.
// The client id is authenticated twice over, since the gateway opens with the shared key of
// the client the id names. A message sealed for another gateway, another domain or another
// version fails to open rather than being misread.
//
// Freshness: the gateway accepts a client's (round, sequence) only if it is above the highest
// it accepted from that client (Enrolment keeps it), so a replay is errc::protocol_violation.
//
// WARNING: the nonce is unique only if a client never seals twice under one (round, sequence)
// for the same gateway: reusing one for different shares would let a relay subtract the two
// plaintexts. ClientSealer refuses a (round, sequence) that is not above the last one it sealed
// for that gateway; a device that restarts must resume above its last sent (round, sequence)
// (e.g. start each boot at a new round, or persist the sequence). To retransmit, resend the
// same bytes; never reseal.
//
// Neither class is thread-safe; use one sealer per device thread and one opener per ingest
// thread (shard clients across threads, each with its own Enrolment, to use more cores).
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/core/z2k.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/keys.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/thread_pool.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

namespace detail {

template <class T>
struct submission_domain_tag;
template <>
struct submission_domain_tag<Mersenne61> : std::integral_constant<std::uint8_t, 1> {};
template <>
struct submission_domain_tag<Z2k<64>> : std::integral_constant<std::uint8_t, 2> {};
template <>
struct submission_domain_tag<Z2k<32>> : std::integral_constant<std::uint8_t, 3> {};

}  // namespace detail

/// The element types a submission can carry (each has a domain tag in the nonce).
template <class T>
concept SubmissionDomain = Domain<T> && requires { detail::submission_domain_tag<T>::value; };

/// Sizes of the wire format (see the top of this file).
inline constexpr std::size_t submission_header_size = 12;
inline constexpr std::size_t submission_mac_size = crypto_box_MACBYTES;
inline constexpr std::size_t submission_overhead = submission_header_size + submission_mac_size;
/// The most elements one submission carries: bounds the gateway's work per message (8 KiB of
/// shares). A row of 32 channels with their squares and 21 range bits each (736) fits.
inline constexpr std::size_t submission_max_batch = 1000;

/// Bytes on the wire of a submission of `count` elements of T.
template <SubmissionDomain T>
[[nodiscard]] constexpr std::size_t submission_size(std::size_t count) noexcept {
  return submission_overhead + count * T::byte_width;
}

/// The cleartext header of a submission, and how many elements follow.
struct SubmissionHeader {
  ClientId client = 0;
  std::uint32_t round = 0;
  std::uint32_t seq = 0;
  std::size_t count = 0;
};

/// An opened, authenticated, fresh submission.
template <SubmissionDomain T>
struct Submission {
  ClientId client = 0;
  std::uint32_t round = 0;
  std::uint32_t seq = 0;
  std::vector<T> shares;
};

/// Reads the header of a submission of T elements without authenticating anything, e.g. to
/// route it; errc::malformed_message if the length is impossible.
template <SubmissionDomain T>
[[nodiscard]] SubmissionHeader peek_submission(std::span<const std::uint8_t> message) {
  if (message.size() < submission_size<T>(1))
    throw error(errc::malformed_message, "submission: " + std::to_string(message.size()) + " bytes, at least " +
                                             std::to_string(submission_size<T>(1)) + " needed (truncated)");
  const std::size_t body = message.size() - submission_overhead;
  if (body % T::byte_width != 0)
    throw error(errc::malformed_message, "submission: " + std::to_string(body) +
                                             " payload bytes is not a whole number of elements");
  const std::size_t count = body / T::byte_width;
  if (count > submission_max_batch)
    throw error(errc::malformed_message, "submission: " + std::to_string(count) + " elements, at most " +
                                             std::to_string(submission_max_batch) + " allowed");
  return {edgempc::detail::load_le<std::uint32_t>(message.data()), edgempc::detail::load_le<std::uint32_t>(message.data() + 4),
          edgempc::detail::load_le<std::uint32_t>(message.data() + 8), count};
}

namespace detail {

/// A precomputed crypto_box key; wiped when it dies, and never copied (so no stray copies).
struct BoxKey {
  std::array<std::uint8_t, crypto_box_BEFORENMBYTES> bytes{};
  PublicKey peer{};

  BoxKey() = default;
  BoxKey(const BoxKey&) = delete;
  BoxKey& operator=(const BoxKey&) = delete;
  ~BoxKey() { secure_wipe(bytes.data(), bytes.size()); }

  /// crypto_box_beforenm; false if the peer key is of low order (no secret shared key).
  [[nodiscard]] bool derive(const PublicKey& peer_key, std::span<const std::uint8_t, KeyPair::key_size> secret) {
    peer = peer_key;
    return crypto_box_beforenm(bytes.data(), peer_key.data(), secret.data()) == 0;
  }
};

using SubmissionNonce = std::array<std::uint8_t, crypto_box_NONCEBYTES>;
static_assert(crypto_box_NONCEBYTES == 24);

inline constexpr std::uint8_t submission_magic = 0xE5;
inline constexpr std::uint8_t submission_version = 1;
inline constexpr std::uint8_t direction_client_to_gateway = 1;

template <SubmissionDomain T>
[[nodiscard]] SubmissionNonce submission_nonce(std::uint32_t gateway, ClientId client, std::uint32_t round,
                                               std::uint32_t seq) noexcept {
  SubmissionNonce n{};
  n[0] = submission_magic;
  n[1] = submission_version;
  n[2] = direction_client_to_gateway;
  n[3] = submission_domain_tag<T>::value;
  edgempc::detail::store_le<std::uint32_t>(n.data() + 4, gateway);
  edgempc::detail::store_le<std::uint32_t>(n.data() + 8, client);
  edgempc::detail::store_le<std::uint32_t>(n.data() + 12, round);
  edgempc::detail::store_le<std::uint32_t>(n.data() + 16, seq);
  return n;
}

}  // namespace detail

/// The device side: seals share vectors for each gateway of its group.
class ClientSealer {
 public:
  /// `gateways[i]` is the public key of gateway i (the index every gateway's opener is given).
  ClientSealer(const KeyPair& client, ClientId id, std::span<const PublicKey> gateways)
      : id_(id), keys_(gateways.size()), last_(gateways.size(), 0), used_(gateways.size(), false) {
    ensure_sodium();
    if (gateways.empty()) throw error(errc::invalid_argument, "ClientSealer: no gateways");
    for (std::size_t g = 0; g < gateways.size(); ++g)
      if (!keys_[g].derive(gateways[g], client.secret_key()))
        throw error(errc::invalid_argument, "ClientSealer: the key of gateway " + std::to_string(g) +
                                                " is of low order (not a usable X25519 public key)");
  }
  ClientSealer(const ClientSealer&) = delete;
  ClientSealer& operator=(const ClientSealer&) = delete;
  ClientSealer(ClientSealer&&) noexcept = default;
  ClientSealer& operator=(ClientSealer&&) noexcept = default;

  [[nodiscard]] ClientId client_id() const noexcept { return id_; }
  [[nodiscard]] std::size_t gateways() const noexcept { return keys_.size(); }

  /// Seals `shares` (1 to submission_max_batch elements) for `gateway` into `out`, which must
  /// hold at least submission_size<T>(shares.size()) bytes; returns the bytes written.
  /// (round, seq) must be above the last pair sealed for this gateway (errc::invalid_argument):
  /// that keeps the derived nonce unique.
  template <SubmissionDomain T>
  std::size_t seal_into(std::size_t gateway, std::uint32_t round, std::uint32_t seq,
                        std::span<const std::type_identity_t<T>> shares, std::span<std::uint8_t> out) {
    if (gateway >= keys_.size())
      throw error(errc::invalid_argument, "ClientSealer: no gateway " + std::to_string(gateway));
    if (shares.empty() || shares.size() > submission_max_batch)
      throw error(errc::invalid_argument, "ClientSealer: " + std::to_string(shares.size()) + " shares (1 to " +
                                              std::to_string(submission_max_batch) + " allowed)");
    const std::size_t size = submission_size<T>(shares.size());
    if (out.size() < size) throw error(errc::size_mismatch, "ClientSealer: output buffer too small");
    const std::uint64_t rs = detail::round_seq(round, seq);
    if (used_[gateway] && rs <= last_[gateway])
      throw error(errc::invalid_argument, "ClientSealer: round " + std::to_string(round) + ", sequence " +
                                              std::to_string(seq) + " is not above the last one sealed for gateway " +
                                              std::to_string(gateway) + " (the nonce would repeat)");
    std::uint8_t* m = out.data();
    edgempc::detail::store_le<std::uint32_t>(m, id_);
    edgempc::detail::store_le<std::uint32_t>(m + 4, round);
    edgempc::detail::store_le<std::uint32_t>(m + 8, seq);
    // Plaintext where the ciphertext ends up, then encrypted in place (libsodium allows the
    // overlap); the tag goes in front of it.
    const std::span<std::uint8_t> body = out.subspan(submission_overhead, size - submission_overhead);
    wire::encode<T>(shares, body);
    const auto nonce = detail::submission_nonce<T>(static_cast<std::uint32_t>(gateway), id_, round, seq);
    if (crypto_box_easy_afternm(m + submission_header_size, body.data(), body.size(), nonce.data(),
                                keys_[gateway].bytes.data()) != 0)
      throw error(errc::crypto_failure, "ClientSealer: crypto_box_easy_afternm failed");
    used_[gateway] = true;
    last_[gateway] = rs;
    return size;
  }

  /// As seal_into, into a new buffer of exactly submission_size<T>(shares.size()) bytes.
  template <SubmissionDomain T>
  [[nodiscard]] std::vector<std::uint8_t> seal(std::size_t gateway, std::uint32_t round, std::uint32_t seq,
                                               std::span<const std::type_identity_t<T>> shares) {
    std::vector<std::uint8_t> out(submission_size<T>(shares.size()));
    seal_into<T>(gateway, round, seq, shares, out);
    return out;
  }

 private:
  ClientId id_;
  std::vector<detail::BoxKey> keys_;  // sized once: elements never move, so never copied
  std::vector<std::uint64_t> last_;   // per gateway: round_seq of the last sealed submission
  std::vector<bool> used_;
};

/// The gateway side: authenticates, decrypts and replay-checks submissions of enrolled clients.
/// One message's outcome in GatewayOpener::open_batch: its header and shares, or the error
/// code open_into would have thrown for it.
template <class T>
struct Opened {
  SubmissionHeader header{};
  std::optional<errc> failure;
  std::vector<T> shares;  ///< header.count elements, empty on failure
};

class GatewayOpener {
 public:
  /// `gateway_index` is this gateway's position in the clients' list of gateways. The opener
  /// keeps a pointer to `enrolment`, which must outlive it; it reads the registry and records
  /// each accepted (round, seq) there.
  GatewayOpener(const KeyPair& gateway, std::uint32_t gateway_index, Enrolment& enrolment)
      : keys_(gateway), index_(gateway_index), enrolment_(&enrolment) {
    ensure_sodium();
  }
  // Not copyable: the cached shared keys should exist once.
  GatewayOpener(const GatewayOpener&) = delete;
  GatewayOpener& operator=(const GatewayOpener&) = delete;
  GatewayOpener(GatewayOpener&&) = default;
  GatewayOpener& operator=(GatewayOpener&&) = default;

  [[nodiscard]] std::uint32_t gateway_index() const noexcept { return index_; }

  /// Opens `message` into `out` (at least submission_max_batch elements, or at least as many as
  /// the message holds) and returns its header; out[0 .. count) are the shares. Errors:
  /// errc::malformed_message (truncated, impossible length, too many elements, non-canonical
  /// element), errc::not_enrolled, errc::protocol_violation (replay or closed round),
  /// errc::authentication_failed (forged, altered, wrong key, wrong gateway or domain).
  /// Only a message that passes every check changes the replay state.
  template <SubmissionDomain T>
  SubmissionHeader open_into(std::span<const std::uint8_t> message, std::span<std::type_identity_t<T>> out) {
    const SubmissionHeader h = peek_submission<T>(message);
    if (out.size() < h.count)
      throw error(errc::size_mismatch, "GatewayOpener: room for " + std::to_string(out.size()) + " shares, " +
                                           std::to_string(h.count) + " sent");
    const detail::BoxKey& key = key_of(h.client);
    // Freshness is checked only after the tag verified (in accept below): an answer that depends
    // on the client's history must not reach someone without the client's key. The replay state
    // changes only then, too.
    const auto nonce = detail::submission_nonce<T>(index_, h.client, h.round, h.seq);
    std::array<std::uint8_t, submission_max_batch * 8> plain;
    static_assert(T::byte_width <= 8);
    const std::size_t plain_size = h.count * T::byte_width;
    if (crypto_box_open_easy_afternm(plain.data(), message.data() + submission_header_size,
                                     message.size() - submission_header_size, nonce.data(), key.bytes.data()) != 0)
      throw error(errc::authentication_failed, "GatewayOpener: submission from client " + std::to_string(h.client) +
                                                   " did not authenticate (forged, altered, or sealed for another "
                                                   "gateway or domain)");
    try {
      wire::decode<T>(std::span<const std::uint8_t>(plain.data(), plain_size), out.first(h.count));
    } catch (const error& e) {
      secure_wipe(plain.data(), plain_size);
      // Authentic, yet not a valid element vector: the client's encoder is broken.
      throw error(errc::malformed_message, std::string("GatewayOpener: client ") + std::to_string(h.client) + ": " + e.what());
    }
    secure_wipe(plain.data(), plain_size);
    enrolment_->accept(h.client, h.round, h.seq);
    return h;
  }

  /// Opens many messages with the work spread over `pool`: the cheap checks and the cache
  /// lookups run on this thread, the shared-key derivations of clients not seen before (one
  /// X25519 each) and the decryptions run on the pool, and the replay state is then updated in
  /// message order, so the outcome is the one open_into would give message by message (a
  /// client's second message in a batch must be fresher than its first). Never throws for a
  /// bad message: its failure is set instead.
  template <SubmissionDomain T>
  [[nodiscard]] std::vector<Opened<T>> open_batch(std::span<const std::span<const std::uint8_t>> messages,
                                                  ThreadPool& pool) {
    std::vector<Opened<T>> out(messages.size());
    std::vector<const detail::BoxKey*> key(messages.size(), nullptr);
    std::vector<std::size_t> derive;  // messages whose client needs a new shared key
    std::unordered_map<ClientId, std::size_t> deriving;  // client -> index into `fresh`
    std::vector<std::unique_ptr<detail::BoxKey>> fresh;
    std::vector<ClientId> fresh_client;
    std::vector<std::size_t> fresh_of(messages.size(), 0);
    for (std::size_t i = 0; i < messages.size(); ++i) {
      try {
        out[i].header = peek_submission<T>(messages[i]);
        const ClientId client = out[i].header.client;
        const PublicKey* peer = enrolment_->find(client);
        if (peer == nullptr) throw error(errc::not_enrolled, "not enrolled");
        if (const auto it = cache_.find(client); it != cache_.end() && it->second->peer == *peer) {
          key[i] = it->second.get();
          continue;
        }
        auto [d, added] = deriving.try_emplace(client, fresh.size());
        if (added) {
          fresh.push_back(std::make_unique<detail::BoxKey>());
          fresh.back()->peer = *peer;
          fresh_client.push_back(client);
        }
        fresh_of[i] = d->second;
        derive.push_back(i);
      } catch (const error& e) {
        out[i].failure = static_cast<errc>(e.code().value());
      }
    }
    std::vector<char> derived(fresh.size(), 0);
    pool.parallel_for(fresh.size(), 0, [&](std::size_t j) {
      derived[j] = fresh[j]->derive(fresh[j]->peer, keys_.secret_key()) ? 1 : 0;
    });
    for (const std::size_t i : derive) {
      if (!derived[fresh_of[i]]) {
        out[i].failure = errc::authentication_failed;  // a low-order key: nothing can authenticate
        continue;
      }
      key[i] = fresh[fresh_of[i]].get();
    }
    for (std::size_t j = 0; j < fresh.size(); ++j)
      if (derived[j]) cache_[fresh_client[j]] = std::move(fresh[j]);  // the object stays put
    pool.parallel_for(messages.size(), 0, [&](std::size_t i) {
      if (out[i].failure || key[i] == nullptr) return;
      const SubmissionHeader& h = out[i].header;
      const auto nonce = detail::submission_nonce<T>(index_, h.client, h.round, h.seq);
      std::array<std::uint8_t, submission_max_batch * 8> plain;
      const std::size_t plain_size = h.count * T::byte_width;
      if (crypto_box_open_easy_afternm(plain.data(), messages[i].data() + submission_header_size,
                                       messages[i].size() - submission_header_size, nonce.data(),
                                       key[i]->bytes.data()) != 0) {
        out[i].failure = errc::authentication_failed;
        return;
      }
      out[i].shares.resize(h.count);
      try {
        wire::decode<T>(std::span<const std::uint8_t>(plain.data(), plain_size), std::span<T>(out[i].shares));
      } catch (const error&) {
        out[i].failure = errc::malformed_message;
        out[i].shares.clear();
      }
      secure_wipe(plain.data(), plain_size);
    });
    for (auto& o : out) {
      if (o.failure) continue;
      try {
        enrolment_->accept(o.header.client, o.header.round, o.header.seq);
      } catch (const error& e) {
        o.failure = static_cast<errc>(e.code().value());
        secure_wipe(o.shares.data(), o.shares.size() * sizeof(T));
        o.shares.clear();
      }
    }
    return out;
  }

  /// As open_into, into a new Submission.
  template <SubmissionDomain T>
  [[nodiscard]] Submission<T> open(std::span<const std::uint8_t> message) {
    std::array<T, submission_max_batch> buffer;
    const SubmissionHeader h = open_into<T>(message, buffer);
    return {h.client, h.round, h.seq, std::vector<T>(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(h.count))};
  }

  /// Drops the cached shared keys of clients no longer enrolled (they are dropped lazily anyway
  /// when such a client next sends; this wipes them now).
  void prune() {
    std::erase_if(cache_, [&](const auto& entry) {
      const PublicKey* k = enrolment_->find(entry.first);
      return k == nullptr || *k != entry.second->peer;
    });
  }

 private:
  // The client's precomputed key, computed on first use and recomputed if the registry now
  // holds another key under that id.
  const detail::BoxKey& key_of(ClientId client) {
    const PublicKey* peer = enrolment_->find(client);
    const auto it = cache_.find(client);
    if (peer == nullptr) {
      if (it != cache_.end()) cache_.erase(it);
      throw error(errc::not_enrolled, "GatewayOpener: client " + std::to_string(client) + " is not enrolled");
    }
    if (it != cache_.end() && it->second->peer == *peer) return *it->second;
    auto key = std::make_unique<detail::BoxKey>();
    if (!key->derive(*peer, keys_.secret_key()))
      throw error(errc::authentication_failed, "GatewayOpener: client " + std::to_string(client) +
                                                   " is enrolled with a low-order key; nothing it sends can authenticate");
    const detail::BoxKey& ref = *key;
    cache_[client] = std::move(key);
    return ref;
  }

  KeyPair keys_;
  std::uint32_t index_;
  Enrolment* enrolment_;
  std::unordered_map<ClientId, std::unique_ptr<detail::BoxKey>> cache_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
