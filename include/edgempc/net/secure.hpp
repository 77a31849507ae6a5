// SPDX-License-Identifier: Apache-2.0
// SecureTransport<T>: authenticated encryption over any Transport.
//
// Security model. Every party holds a long-term X25519 key pair; the group configuration pins
// every peer's public key. handshake() runs Noise_KK_25519_ChaChaPoly_BLAKE2b (noise.hpp) with
// every peer: the lower id initiates. The prologue binds the run to this protocol, the group
// size and both ids. Afterwards each direction has its own ChaCha20-Poly1305 key and 64-bit
// nonce counter. What an outsider who controls the network can and cannot do:
//  - cannot read messages (encrypted), nor learn anything but their sizes and timing;
//  - cannot forge, alter, replay, reorder or drop-and-splice messages without the receiver
//    noticing: each frame carries its nonce, which must be exactly the next one expected, and
//    every chunk must authenticate under it; a rejected frame changes no state and the channel
//    goes on with the next genuine frame (it is as if the bad frame never arrived);
//  - cannot impersonate a party without its secret key, nor decrypt past sessions after
//    stealing long-term keys later (forward secrecy from the ephemeral keys);
//  - can delay or drop traffic (a receive then fails with peer_timeout): availability is not
//    protected.
// Parties themselves are trusted with what they receive; this layer protects the wire only.
//
// Frames (inside one message of the inner transport):
//   [nonce of the first chunk: 8 bytes little-endian][chunk 1]...[chunk k]
// A message is cut into chunks of at most 65519 bytes (Noise's 65535-byte limit less the tag);
// chunk i is ChaCha20-Poly1305 with nonce n+i and empty associated data, i.e. a Noise transport
// message. An empty message is one chunk holding only a tag.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "edgempc/net/noise.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

inline constexpr std::size_t secure_header = 8;
inline constexpr std::size_t secure_chunk_plain = noise::max_message_len - noise::tag_len;  // 65519

/// Bytes of the frame for a message of `n` bytes.
[[nodiscard]] constexpr std::size_t secure_frame_size(std::size_t n) noexcept {
  const std::size_t chunks = n == 0 ? 1 : (n + secure_chunk_plain - 1) / secure_chunk_plain;
  return secure_header + n + chunks * noise::tag_len;
}

/// The largest message whose frame fits in `inner_max` bytes.
[[nodiscard]] constexpr std::size_t secure_max_message(std::size_t inner_max) noexcept {
  if (inner_max < secure_header + noise::tag_len) return 0;
  const std::size_t avail = inner_max - secure_header;
  const std::size_t full = avail / noise::max_message_len, rest = avail % noise::max_message_len;
  return full * secure_chunk_plain + (rest > noise::tag_len ? rest - noise::tag_len : 0);
}

/// The prologue of the handshake between `initiator` and `responder` in a group of `parties`.
inline std::vector<std::uint8_t> secure_prologue(std::size_t parties, PartyId initiator, PartyId responder) {
  static constexpr std::string_view label = "edgempc secure transport v1";
  std::vector<std::uint8_t> p(label.begin(), label.end());
  p.resize(label.size() + 12);
  store_le<std::uint32_t>(p.data() + label.size(), static_cast<std::uint32_t>(parties));
  store_le<std::uint32_t>(p.data() + label.size() + 4, initiator);
  store_le<std::uint32_t>(p.data() + label.size() + 8, responder);
  return p;
}

/// Decrypts a data frame under `cipher` without touching it; on success returns the
/// plaintext and the number of chunks consumed. The frame parser the fuzz target drives.
inline std::pair<std::vector<std::uint8_t>, std::uint64_t> open_secure_frame(const noise::CipherState& cipher,
                                                                           std::span<const std::uint8_t> frame) {
  if (frame.size() < secure_header + noise::tag_len)
    throw error(errc::malformed_message, "SecureTransport: truncated frame of " + std::to_string(frame.size()) + " bytes");
  const auto nonce = load_le<std::uint64_t>(frame.data());
  if (nonce != cipher.nonce())
    throw error(errc::protocol_violation, "SecureTransport: replayed or reordered frame (nonce " +
                                              std::to_string(nonce) + ", expected " + std::to_string(cipher.nonce()) + ")");
  const auto body = frame.subspan(secure_header);
  const std::size_t chunks = (body.size() + noise::max_message_len - 1) / noise::max_message_len;
  const std::size_t last = body.size() - (chunks - 1) * noise::max_message_len;
  if (last < noise::tag_len) throw error(errc::malformed_message, "SecureTransport: a chunk shorter than its tag");
  if (chunks > ~std::uint64_t{0} - nonce) throw error(errc::protocol_violation, "SecureTransport: nonces exhausted");
  std::vector<std::uint8_t> plain(body.size() - chunks * noise::tag_len);
  for (std::size_t c = 0; c < chunks; ++c) {
    const auto ct = body.subspan(c * noise::max_message_len, c + 1 < chunks ? noise::max_message_len : last);
    if (!cipher.decrypt_at(nonce + c, {}, ct, plain.data() + c * secure_chunk_plain))
      throw error(errc::authentication_failed, "SecureTransport: frame does not authenticate");
  }
  return {std::move(plain), chunks};
}

}  // namespace detail

/// Models Transport. Wraps `inner` (which must outlive it); call handshake() before use.
template <Transport T>
class SecureTransport {
 public:
  /// `peer_keys[i]` is party i's pinned public key; entry id() must be `self`'s.
  SecureTransport(T& inner, KeyPair self, std::vector<PublicKey> peer_keys)
      : inner_(inner), self_(std::move(self)), peer_keys_(std::move(peer_keys)), peers_(inner.parties()) {
    if (peer_keys_.size() != inner_.parties())
      throw error(errc::invalid_argument, "SecureTransport: one public key per party is needed");
    if (peer_keys_[inner_.id()] != self_.public_key())
      throw error(errc::invalid_argument, "SecureTransport: my entry in the key list is not my public key");
  }

  /// Authenticates every peer and agrees on fresh keys with each; every party calls it. Any
  /// failure (a wrong or unknown key, a malformed or tampered handshake message, silence)
  /// throws, and the transport stays unusable.
  void handshake(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const PartyId me = id();
    const auto n = parties();
    std::vector<std::optional<noise::HandshakeKK>> hs(n);
    for (PartyId j = me + 1; j < n; ++j) {  // initiate with every higher id
      hs[j].emplace(true, self_, peer_keys_[j], detail::secure_prologue(n, me, j));
      inner_.send(j, hs[j]->write_message());
    }
    for (PartyId j = 0; j < me; ++j) {  // answer every lower id
      hs[j].emplace(false, self_, peer_keys_[j], detail::secure_prologue(n, j, me));
      (void)hs[j]->read_message(receive_handshake(j, timeout));
      inner_.send(j, hs[j]->write_message());
      install(j, *hs[j]);
    }
    for (PartyId j = me + 1; j < n; ++j) {
      (void)hs[j]->read_message(receive_handshake(j, timeout));
      install(j, *hs[j]);
    }
    ready_ = true;
  }

  [[nodiscard]] PartyId id() const noexcept { return inner_.id(); }
  [[nodiscard]] std::size_t parties() const noexcept { return inner_.parties(); }
  [[nodiscard]] std::size_t max_message_size() const noexcept {
    return detail::secure_max_message(inner_.max_message_size());
  }
  [[nodiscard]] TransportStats stats() const noexcept { return counters_.snapshot(); }

  void send(PartyId to, std::span<const std::uint8_t> message) {
    detail::check_peer(id(), parties(), to);
    detail::check_message_size(message.size(), max_message_size());
    auto& peer = ready_peer(to);
    // Every byte of the frame is written below, so it is not zero-filled first.
    const std::size_t frame_size = detail::secure_frame_size(message.size());
    const auto frame = std::make_unique_for_overwrite<std::uint8_t[]>(frame_size);
    {
      std::lock_guard lock(peer.send_mutex);
      detail::store_le<std::uint64_t>(frame.get(), peer.send.nonce());
      std::size_t in = 0, out = detail::secure_header;
      do {
        const std::size_t len = std::min(detail::secure_chunk_plain, message.size() - in);
        peer.send.encrypt_with_ad({}, message.subspan(in, len), frame.get() + out);
        in += len;
        out += len + noise::tag_len;
      } while (in < message.size());
      // Sent under the lock: frames must reach the inner transport in nonce order.
      inner_.send(to, std::span<const std::uint8_t>(frame.get(), frame_size));
    }
    counters_.count_sent(message.size());
  }

  [[nodiscard]] std::vector<std::uint8_t> receive(PartyId from, std::chrono::milliseconds timeout) {
    detail::check_peer(id(), parties(), from);
    auto& peer = ready_peer(from);
    const auto frame = inner_.receive(from, timeout);
    std::lock_guard lock(peer.receive_mutex);
    auto [plain, chunks] = detail::open_secure_frame(peer.receive, frame);
    peer.receive.set_nonce(peer.receive.nonce() + chunks);
    counters_.count_received(plain.size());
    return std::move(plain);
  }

 private:
  struct Peer {
    std::mutex send_mutex, receive_mutex;
    noise::CipherState send, receive;
    bool ready = false;
  };

  std::vector<std::uint8_t> receive_handshake(PartyId from, std::chrono::milliseconds timeout) {
    auto m = inner_.receive(from, timeout);
    if (m.size() != noise::handshake_message_len)
      throw error(errc::malformed_message, "SecureTransport: handshake message of " + std::to_string(m.size()) +
                                               " bytes from party " + std::to_string(from) + ", expected " +
                                               std::to_string(noise::handshake_message_len));
    return m;
  }

  void install(PartyId j, noise::HandshakeKK& hs) {
    auto [send, receive] = hs.split();
    peers_[j].send = std::move(send);
    peers_[j].receive = std::move(receive);
    peers_[j].ready = true;
  }

  Peer& ready_peer(PartyId p) {
    if (!ready_ || !peers_[p].ready)
      throw error(errc::protocol_violation, "SecureTransport: no completed handshake with party " + std::to_string(p));
    return peers_[p];
  }

  T& inner_;
  KeyPair self_;
  std::vector<PublicKey> peer_keys_;
  std::vector<Peer> peers_;  // sized once: Peer is not movable
  bool ready_ = false;
  detail::TrafficCounters counters_;
};

EDGEMPC_END_NAMESPACE
