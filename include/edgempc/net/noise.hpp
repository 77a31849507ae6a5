// SPDX-License-Identifier: Apache-2.0
// The Noise Protocol Framework, pattern KK, over X25519, ChaCha20-Poly1305 and BLAKE2b:
// Noise_KK_25519_ChaChaPoly_BLAKE2b (Trevor Perrin, "The Noise Protocol Framework", revision
// 34, 2018, https://noiseprotocol.org/noise.html; sections 4 and 5 are followed to the letter).
//
//   KK:
//     -> s
//     <- s
//     ...
//     -> e, es, ss
//     <- e, ee, se
//
// Both parties know each other's static key in advance (the group configuration pins them),
// so the two handshake messages authenticate both sides and, through the fresh ephemeral keys,
// give forward secrecy. Checked against the cacophony test vectors. Pure computation on
// buffers, no I/O: SecureTransport drives it, and the fuzz target feeds it directly.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/net/keys.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace noise {

inline constexpr std::string_view protocol_name = "Noise_KK_25519_ChaChaPoly_BLAKE2b";
inline constexpr std::size_t hash_len = 64;    // BLAKE2b
inline constexpr std::size_t block_len = 128;  // BLAKE2b block, for HMAC
inline constexpr std::size_t dh_len = 32;      // X25519
inline constexpr std::size_t key_len = 32;     // ChaCha20-Poly1305
inline constexpr std::size_t tag_len = 16;
inline constexpr std::size_t max_message_len = 65535;  // the spec's limit on every message
/// Both KK handshake messages: an ephemeral public key and the tag of an empty payload.
inline constexpr std::size_t handshake_message_len = dh_len + tag_len;

using Hash = std::array<std::uint8_t, hash_len>;

namespace detail {

class Blake2b {
 public:
  Blake2b() {
    ensure_sodium();
    crypto_generichash_init(&state_, nullptr, 0, hash_len);
  }
  ~Blake2b() { secure_wipe(&state_, sizeof state_); }
  Blake2b& update(std::span<const std::uint8_t> data) {
    crypto_generichash_update(&state_, data.data(), data.size());
    return *this;
  }
  Hash final() {
    Hash out;
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
  }

 private:
  crypto_generichash_state state_;
};

/// HMAC (RFC 2104) over BLAKE2b, as Noise defines it; keys here are never above a block.
inline Hash hmac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> a,
                 std::span<const std::uint8_t> b = {}) {
  std::array<std::uint8_t, block_len> pad{};
  std::copy(key.begin(), key.end(), pad.begin());
  for (auto& x : pad) x ^= 0x36;
  Hash inner = Blake2b().update(pad).update(a).update(b).final();
  for (auto& x : pad) x ^= 0x36 ^ 0x5c;
  Hash outer = Blake2b().update(pad).update(inner).final();
  ::edgempc::secure_wipe(pad.data(), pad.size());
  ::edgempc::secure_wipe(inner.data(), inner.size());
  return outer;
}

/// HKDF with two outputs (Noise section 4.3).
inline std::pair<Hash, Hash> hkdf(const Hash& chaining_key, std::span<const std::uint8_t> input) {
  Hash temp = hmac(chaining_key, input);
  const std::uint8_t one = 1, two = 2;
  Hash out1 = hmac(temp, std::span(&one, 1));
  Hash out2 = hmac(temp, out1, std::span(&two, 1));
  ::edgempc::secure_wipe(temp.data(), temp.size());
  return {out1, out2};
}

}  // namespace detail

/// A CipherState (Noise section 5.1): a key and a 64-bit nonce counter.
class CipherState {
 public:
  CipherState() = default;
  CipherState(const CipherState&) = delete;
  CipherState& operator=(const CipherState&) = delete;
  CipherState(CipherState&& o) noexcept { *this = std::move(o); }
  CipherState& operator=(CipherState&& o) noexcept {
    key_ = o.key_;
    has_key_ = o.has_key_;
    nonce_ = o.nonce_;
    o.wipe();
    return *this;
  }
  ~CipherState() { wipe(); }

  void initialize_key(std::span<const std::uint8_t> key) {
    std::copy_n(key.begin(), key_len, key_.begin());
    has_key_ = true;
    nonce_ = 0;
  }
  [[nodiscard]] bool has_key() const noexcept { return has_key_; }
  [[nodiscard]] std::uint64_t nonce() const noexcept { return nonce_; }

  /// out must hold plaintext.size() + tag_len bytes; uses and then advances the nonce.
  void encrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> plaintext,
                       std::uint8_t* out) {
    if (nonce_ == ~std::uint64_t{0}) throw error(errc::protocol_violation, "Noise: nonces exhausted; rekey");
    const auto n = nonce_bytes(nonce_);
    crypto_aead_chacha20poly1305_ietf_encrypt(out, nullptr, plaintext.data(), plaintext.size(), ad.data(), ad.size(),
                                              nullptr, n.data(), key_.data());
    ++nonce_;
  }

  /// Decrypts with nonce `n` into out (ciphertext.size() - tag_len bytes), changing nothing;
  /// false if the tag does not verify.
  [[nodiscard]] bool decrypt_at(std::uint64_t n, std::span<const std::uint8_t> ad,
                                std::span<const std::uint8_t> ciphertext, std::uint8_t* out) const {
    if (ciphertext.size() < tag_len) return false;
    const auto nb = nonce_bytes(n);
    return crypto_aead_chacha20poly1305_ietf_decrypt(out, nullptr, nullptr, ciphertext.data(), ciphertext.size(),
                                                     ad.data(), ad.size(), nb.data(), key_.data()) == 0;
  }
  /// Moves the nonce on after decrypt_at calls succeeded.
  void set_nonce(std::uint64_t n) noexcept { nonce_ = n; }

 private:
  // ChaChaPoly's 96-bit nonce: 32 zero bits, then the counter little-endian (section 12.3).
  static std::array<std::uint8_t, 12> nonce_bytes(std::uint64_t n) {
    std::array<std::uint8_t, 12> b{};
    ::edgempc::detail::store_le<std::uint64_t>(b.data() + 4, n);
    return b;
  }
  void wipe() noexcept {
    ::edgempc::secure_wipe(key_.data(), key_.size());
    has_key_ = false;
    nonce_ = 0;
  }

  std::array<std::uint8_t, key_len> key_{};
  bool has_key_ = false;
  std::uint64_t nonce_ = 0;
};

/// A SymmetricState (Noise section 5.2).
class SymmetricState {
 public:
  explicit SymmetricState(std::string_view name) {
    // Names up to HASHLEN bytes are used zero-padded, longer ones hashed (ours is 33 bytes).
    std::copy(name.begin(), name.end(), h_.begin());
    ck_ = h_;
  }
  ~SymmetricState() {
    ::edgempc::secure_wipe(ck_.data(), ck_.size());
    ::edgempc::secure_wipe(h_.data(), h_.size());
  }

  void mix_hash(std::span<const std::uint8_t> data) { h_ = detail::Blake2b().update(h_).update(data).final(); }

  void mix_key(std::span<const std::uint8_t> input) {
    auto [ck, temp_k] = detail::hkdf(ck_, input);
    ck_ = ck;
    cipher_.initialize_key(std::span(temp_k).first(key_len));  // HASHLEN 64: truncate to 32
    ::edgempc::secure_wipe(temp_k.data(), temp_k.size());
    ::edgempc::secure_wipe(ck.data(), ck.size());
  }

  std::vector<std::uint8_t> encrypt_and_hash(std::span<const std::uint8_t> plaintext) {
    std::vector<std::uint8_t> out(plaintext.size() + (cipher_.has_key() ? tag_len : 0));
    if (cipher_.has_key()) cipher_.encrypt_with_ad(h_, plaintext, out.data());
    else std::copy(plaintext.begin(), plaintext.end(), out.begin());
    mix_hash(out);
    return out;
  }

  std::vector<std::uint8_t> decrypt_and_hash(std::span<const std::uint8_t> ciphertext) {
    if (!cipher_.has_key()) {
      mix_hash(ciphertext);
      return {ciphertext.begin(), ciphertext.end()};
    }
    if (ciphertext.size() < tag_len) throw error(errc::malformed_message, "Noise: ciphertext shorter than its tag");
    std::vector<std::uint8_t> out(ciphertext.size() - tag_len);
    if (!cipher_.decrypt_at(cipher_.nonce(), h_, ciphertext, out.data()))
      throw error(errc::authentication_failed, "Noise: handshake message does not authenticate (wrong peer key?)");
    cipher_.set_nonce(cipher_.nonce() + 1);
    mix_hash(ciphertext);
    return out;
  }

  /// The two transport CipherStates: initiator-to-responder, responder-to-initiator.
  std::pair<CipherState, CipherState> split() {
    auto [k1, k2] = detail::hkdf(ck_, {});
    std::pair<CipherState, CipherState> out;
    out.first.initialize_key(std::span(k1).first(key_len));
    out.second.initialize_key(std::span(k2).first(key_len));
    ::edgempc::secure_wipe(k1.data(), k1.size());
    ::edgempc::secure_wipe(k2.data(), k2.size());
    return out;
  }

  [[nodiscard]] const Hash& handshake_hash() const noexcept { return h_; }

 private:
  CipherState cipher_;
  Hash ck_{};
  Hash h_{};
};

/// One side of a KK handshake. The initiator writes message 1 and reads message 2; the
/// responder reads message 1 and writes message 2; then split() gives the transport keys.
class HandshakeKK {
 public:
  /// `ephemeral_secret` is for test vectors only; normally a fresh ephemeral key is drawn.
  HandshakeKK(bool initiator, const KeyPair& self, const PublicKey& remote_static,
              std::span<const std::uint8_t> prologue,
              std::optional<std::span<const std::uint8_t, 32>> ephemeral_secret = std::nullopt)
      : initiator_(initiator),
        s_(self),
        e_(ephemeral_secret ? KeyPair::from_secret(*ephemeral_secret) : KeyPair::generate()),
        rs_(remote_static),
        state_(protocol_name) {
    state_.mix_hash(prologue);
    // Pre-messages: the initiator's static key, then the responder's.
    state_.mix_hash(initiator ? s_.public_key() : rs_);
    state_.mix_hash(initiator ? rs_ : s_.public_key());
  }

  /// Message 1 (initiator) or message 2 (responder), carrying `payload`.
  [[nodiscard]] std::vector<std::uint8_t> write_message(std::span<const std::uint8_t> payload = {}) {
    const bool first = initiator_;
    if (step_ != (first ? 0 : 1)) throw error(errc::protocol_violation, "Noise: not this side's turn to write");
    std::vector<std::uint8_t> out(e_.public_key().begin(), e_.public_key().end());
    state_.mix_hash(e_.public_key());
    if (first) {
      mix_dh(e_, rs_);  // es
      mix_dh(s_, rs_);  // ss
    } else {
      mix_dh(e_, re_);  // ee
      mix_dh(e_, rs_);  // se (responder side)
    }
    const auto body = state_.encrypt_and_hash(payload);
    out.insert(out.end(), body.begin(), body.end());
    ++step_;
    return out;
  }

  /// Reads the peer's message and returns its payload. A message shorter than an ephemeral
  /// key plus a tag is errc::malformed_message; one that does not authenticate,
  /// errc::authentication_failed. Either way the handshake is over: start a new one.
  [[nodiscard]] std::vector<std::uint8_t> read_message(std::span<const std::uint8_t> message) {
    const bool first = !initiator_;
    if (step_ != (first ? 0 : 1)) throw error(errc::protocol_violation, "Noise: not this side's turn to read");
    step_ = 3;  // failed until proven otherwise
    if (message.size() < handshake_message_len || message.size() > max_message_len)
      throw error(errc::malformed_message, "Noise: handshake message of " + std::to_string(message.size()) + " bytes");
    std::copy_n(message.begin(), dh_len, re_.begin());
    state_.mix_hash(re_);
    if (first) {
      mix_dh(s_, re_);  // es (responder side)
      mix_dh(s_, rs_);  // ss
    } else {
      mix_dh(e_, re_);  // ee
      mix_dh(s_, re_);  // se (initiator side)
    }
    auto payload = state_.decrypt_and_hash(message.subspan(dh_len));
    step_ = first ? 1 : 2;
    return payload;
  }

  [[nodiscard]] bool complete() const noexcept { return step_ == 2; }
  [[nodiscard]] const Hash& handshake_hash() const noexcept { return state_.handshake_hash(); }

  /// The transport keys: (send, receive) from this side's point of view.
  [[nodiscard]] std::pair<CipherState, CipherState> split() {
    if (!complete()) throw error(errc::protocol_violation, "Noise: handshake not complete");
    auto [to_responder, to_initiator] = state_.split();
    if (initiator_) return {std::move(to_responder), std::move(to_initiator)};
    return {std::move(to_initiator), std::move(to_responder)};
  }

 private:
  void mix_dh(const KeyPair& mine, const PublicKey& theirs) {
    std::array<std::uint8_t, dh_len> shared{};
    // libsodium refuses a low-order peer key (all-zero result): never a valid party.
    if (crypto_scalarmult(shared.data(), mine.secret_key().data(), theirs.data()) != 0)
      throw error(errc::authentication_failed, "Noise: invalid peer public key");
    state_.mix_key(shared);
    ::edgempc::secure_wipe(shared.data(), shared.size());
  }

  bool initiator_;
  KeyPair s_;
  KeyPair e_;
  PublicKey rs_;
  PublicKey re_{};
  SymmetricState state_;
  int step_ = 0;  // messages processed; 3 = failed
};

}  // namespace noise
EDGEMPC_END_NAMESPACE
