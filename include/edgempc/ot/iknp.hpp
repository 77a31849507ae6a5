// SPDX-License-Identifier: Apache-2.0
// IKNP oblivious-transfer extension: 128 base OTs, then any number of OTs of 128-bit blocks at
// the cost of symmetric crypto. Y. Ishai, J. Kilian, K. Nissim, E. Petrank, "Extending
// oblivious transfers efficiently", CRYPTO 2003, with the optimisations of G. Asharov,
// Y. Lindell, T. Schneider, M. Zohner, "More efficient oblivious transfer and extensions for
// faster secure computation", CCS 2013: the base OTs carry only PRG seeds and the receiver
// sends one matrix u^j = G(k_j^0) ^ G(k_j^1) ^ r per batch (instead of two), and correlated
// and chosen-message OT are derived from it with one message at most.
//
// How it works. Roles are reversed in the base OTs: the extension sender picks a secret
// 128-bit s (= Delta) and learns k_j^{s_j} for j < 128. For a batch with choice bits r the
// receiver sends u^j; the sender computes q^j = G(k_j^{s_j}) ^ s_j u^j = t^j ^ s_j r with
// t^j = G(k_j^0). Transposing, row i gives q_i = t_i ^ r_i * s. So every OT of the extension is
// a correlated OT with global offset s, for 16 bytes on the wire; hashing (ot/cr_hash.hpp)
// with the OT index as tweak turns it into a random OT.
//
// What is offered (sender side / receiver side with choices b):
//   correlated: m0_i random            / m0_i ^ (b_i ? Delta : 0)   no message beyond u
//   random:     m0_i, m1_i random      / m_{b_i}                    no message beyond u
//   chosen:     gives x0_i, x1_i        / x_{b_i}                    + 32 bytes per OT
// Delta is fixed at setup(), random or chosen by the sender (the free-XOR offset of a garbled
// circuit, so that m0_i is the 0-label of an evaluator input wire).
//
// Security model without the check (OtConfig::check = OtCheck::none): semi-honest sender and
// receiver; the base OTs of ot/base_ot.hpp; G a PRG (config.prg); H tweakable correlation
// robust (config.hash). A chosen Delta must be secret and uniform except for bits the
// application fixes (such as lsb = 1 for point-and-permute): the random and chosen OTs are only
// as strong as Delta is unpredictable. The receiver learns one output per OT and nothing about
// the other; the sender learns nothing about the choices (u^j is masked by G(k_j^{1 - s_j}),
// which the sender never sees). Correlated outputs are NOT independent: they are for
// protocols, like garbling, that hash them themselves. A receiver that deviates can use
// different choice bits in different columns of u; row i then gives the sender
// q_i = t_i ^ (X_i AND Delta) for a vector X_i that is not all-0 or all-1, and which outputs
// work for it depends on the bits of Delta where X_i is inconsistent: a selective-failure
// attack that learns Delta bit by bit (in Yao, the garbler's Delta, hence its inputs).
//
// The KOS check (OtCheck::kos, the default; M. Keller, E. Orsini, P. Scholl, "Actively secure
// OT extension with optimal overhead", CRYPTO 2015, full version ePrint 2015/546, Fig. 7),
// per message of m <= 65,536 OTs:
//   receiver: appends 256 OTs with random choice bits (from a Prg seeded at setup) after the
//             padded batch, so the matrix has padded(m) + 256 rows, and sends u   --- u --->
//   sender:   after receiving u, draws a 16-byte seed and sends it                 <-- seed --
//   both:     chi_i, one per row: a PRG (config.prg) keyed by BLAKE2b-256(seed || index of
//             the message's first OT), so that no seed picks chi
//   receiver: x = sum_i chi_i r_i and t = sum_i chi_i t_i in GF(2^128)        --- x, t --->
//   sender:   q = sum_i chi_i q_i and requires q = t + x * Delta; otherwise it wipes the
//             message's outputs, sends nothing derived from them and throws
//             errc::protocol_violation (end the session: the peer cheated).
// The 256 extra OTs are thrown away. Cost per message: 4,096 + 16 + 32 bytes, one round trip
// (the receiver waits for the seed) and one GF(2^128) product per row on each side
// (ot/detail/gf128.hpp: PCLMULQDQ where the CPU has it, else a constant-time portable kernel).
// The sums run over every row, padding and extra ones included; 256 = kappa + 128, simpler
// than kappa + s and never fewer.
//
// Soundness: what a receiver that deviates gets. When it answers, Delta is independent of
// everything it has seen (u, its t, chi: the sender's seed does not depend on Delta), and the
// check passes iff a GF(2)-linear function of Delta, fixed by its rows X_i and its x, takes
// the value its t fixes: if the function has rank r, it passes for a fraction 2^-r of the
// Deltas, and passing tells it those r linear bits and nothing else. Let c be the number of
// columns in which its rows are inconsistent, counted against the choice vector that makes c
// smallest (a column whose Delta bit is public, like Yao's lsb, does not count). For c <= 64:
// with x = sum chi_i r_i for that choice vector, the rank is c unless some nonempty set of
// those columns has sum_i chi_i E_i = 0 (E_i = row i's errors in the set, nonzero for some
// row), probability 2^-128 per set for uniform chi, 2^(c-128) <= 2^-64 for all of them; any
// other x leaves >= 128 - c >= 64 consistent columns contributing independent terms (rank
// >= 64). So it passes with probability at most 2^-c + 2^-64 and, passing, has learnt only the
// c bits of Delta it guessed: KOS's "guess c bits with probability 2^-c", with statistical
// parameter s = 64. Deviations in more than 64 columns rest on KOS's analysis (Sec. 4 of the
// full version), which this comment does not re-derive. chi is pseudorandom (the PRG, and
// BLAKE2b as a random oracle), so these are computational statements in the end.
// The receiver's privacy is kept: the 256 extra rows' chi, as vectors of GF(2)^128, span it
// except with probability 2^-128, and then x is uniform whatever the real choices are; t adds
// nothing the sender does not know (t = q + x Delta). A sender that picks its seed cannot pick
// chi (BLAKE2b); trying seeds finds a bad one with probability 2^-128 per try.
//
// The base OTs (ot/base_ot.hpp), whose sender is the extension receiver: against a malicious
// sender they keep Delta perfectly hidden (B_i = b_i G + c_i A is uniform whatever valid A it
// sends) and give the extension sender one key per column fixed by the transcript
// (H(i, A, B_i, b_i A)); that is what the argument above uses. Against a malicious extension
// sender, their receiver, they give it one key per pair (CDH, random oracle), which keeps the
// receiver's choices hidden in u. What is NOT claimed: Chou-Orlandi is not known to be
// simulatable against a malicious party (a simulator cannot extract a malicious sender's key
// pairs: Genc, Iovino, Rial, ePrint 2017/370; Hauck, Loss, ePrint 2017/1011), so this is not a
// UC-secure actively secure OT extension; the claim is the concrete one above. Random and
// chosen OTs derived from a checked message further need H to stay correlation robust on the
// rows a cheater that passed could shape (KOS model H as a random oracle; with fixed-key AES
// that is the Guo-Katz-Wang-Yu assumption). A malicious sender gains nothing from the check.
//
// Batches of any size: each call is cut into messages of at most 65,536 OTs (1 MiB), the last
// padded to a multiple of 128 with unused rows, so memory stays bounded whatever n is. A
// message holds the matrix in slabs of 4,096 OTs (128 columns each), so that the transpose
// works on 64 KiB at a time. Both
// parties must make the same sequence of calls with the same sizes. Each object serves one
// thread. Errors: use before setup() or a second setup() is errc::protocol_violation; spans
// whose sizes disagree are errc::size_mismatch; a message of the wrong length from the peer is
// errc::malformed_message; a failed check errc::protocol_violation. The seeds, Delta and all
// buffers are wiped on destruction.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/block.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/ot/base_ot.hpp"
#include "edgempc/ot/bit_vector.hpp"
#include "edgempc/ot/config.hpp"
#include "edgempc/ot/cr_hash.hpp"
#include "edgempc/ot/detail/buffers.hpp"
#include "edgempc/ot/detail/gf128.hpp"
#include "edgempc/ot/transpose.hpp"
#include "edgempc/party.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail::iknp {

inline constexpr std::size_t kappa = 128;                     // base OTs = security parameter
inline constexpr std::size_t chunk_ots = std::size_t{1} << 16;  // OTs per u message
// The matrix of a message is built, sent and transposed in slabs of this many OTs: 128
// columns of 512 bytes, 64 KiB that stay in cache and in few pages while they are transposed
// (whole columns of 8 KiB would put every row of the transpose on a page of its own).
inline constexpr std::size_t slab_ots = 4096;
/// The KOS check's extra OTs per message (kappa + 128; see the header).
inline constexpr std::size_t kos_ots = 256;
inline constexpr std::size_t kos_seed_bytes = 16;
inline constexpr std::size_t kos_answer_bytes = 32;
/// Rows of chi drawn at a time by the check.
inline constexpr std::size_t chi_rows = 1024;

[[nodiscard]] inline std::size_t padded(std::size_t m) noexcept { return (m + kappa - 1) / kappa * kappa; }

/// Rows of the matrix of a message of m OTs.
[[nodiscard]] inline std::size_t rows_of(std::size_t m, OtCheck check) noexcept {
  return padded(m) + (check == OtCheck::kos ? kos_ots : 0);
}

/// Where bit (row, column) of a message's u matrix of `rows` rows lies: u[byte] bit `bit`.
struct UBit {
  std::size_t byte;
  unsigned bit;
};
[[nodiscard]] inline UBit u_bit(std::size_t rows, std::size_t row, std::size_t column) noexcept {
  const std::size_t first = row / slab_ots * slab_ots;
  const std::size_t rb = std::min(slab_ots, rows - first) / 8;
  return {16 * first + column * rb + (row - first) / 8, static_cast<unsigned>((row - first) % 8)};
}

/// A PRG seed from a 128-bit base-OT key (the upper 16 bytes, the CTR IV, are zero: each
/// column has a key of its own).
[[nodiscard]] inline Prg make_column_prg(const Block& key, PrgAlgorithm algorithm) {
  Prg::Seed seed{};
  key.to_bytes(std::span<std::uint8_t, 16>(seed.data(), 16));
  Prg prg(seed, algorithm);
  secure_wipe(seed.data(), seed.size());
  return prg;
}

/// A Prg of this party's own coins (the KOS seeds and extra choice bits), seeded from `prg`.
[[nodiscard]] inline Prg make_coins(Prg& prg, PrgAlgorithm algorithm) {
  Prg::Seed seed;
  prg.fill(seed.data(), seed.size());
  Prg coins(seed, algorithm);
  secure_wipe(seed.data(), seed.size());
  return coins;
}

/// The challenge stream of one message: a PRG keyed by BLAKE2b-256(seed || first OT index).
[[nodiscard]] inline Prg chi_stream(std::span<const std::uint8_t> seed, std::uint64_t first_ot, PrgAlgorithm algorithm) {
  static constexpr unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] = "edgempc-kos-chi";
  ensure_sodium();
  std::uint8_t in[kos_seed_bytes + 8];
  std::copy(seed.begin(), seed.end(), in);
  store_le<std::uint64_t>(in + kos_seed_bytes, first_ot);
  Prg::Seed key;
  crypto_generichash_blake2b_salt_personal(key.data(), key.size(), in, sizeof in, nullptr, 0, nullptr, personal);
  return Prg(key, algorithm);
}

/// sum_i chi_i v_i over the rows of a message (`head` then `tail`), chi drawn from `chi`; with
/// `r` (the choice bits, bit i of byte i / 8) also x = sum_i chi_i r_i, without a branch.
inline Block check_sum(Prg& chi, std::span<const Block> head, std::span<const Block> tail, std::vector<Block>& buffer,
                       const std::uint8_t* r = nullptr, Block* x = nullptr) {
  gf128::Wide acc;
  Block xs{};
  buffer.resize(chi_rows);
  std::size_t row = 0;
  for (const auto part : {head, tail}) {
    for (std::size_t k = 0; k < part.size(); k += chi_rows) {
      const std::size_t n = std::min(chi_rows, part.size() - k);
      chi.fill(buffer.data(), n * sizeof(Block));
      for (std::size_t i = 0; i < n; ++i)
        buffer[i] = Block{load_le<std::uint64_t>(reinterpret_cast<const std::uint8_t*>(&buffer[i])),
                          load_le<std::uint64_t>(reinterpret_cast<const std::uint8_t*>(&buffer[i]) + 8)};
      gf128::dot(std::span<const Block>(buffer).first(n), part.subspan(k, n), acc);
      if (r != nullptr)
        for (std::size_t i = 0; i < n; ++i, ++row) xs ^= buffer[i] & Block::mask(((r[row / 8] >> (row % 8)) & 1) != 0);
    }
  }
  if (x != nullptr) *x = xs;
  return gf128::reduce(acc);
}

template <Transport Tr>
void exchange_config(Party<Tr>& party, PartyId peer, const OtConfig& config) {
  const auto mine = encode_ot_config(config);
  party.send_bytes(peer, mine);
  match_ot_config(config, party.receive_bytes(peer));
}

inline void check_peer(PartyId peer, PartyId me) {
  if (peer == me) throw error(errc::invalid_argument, "OT extension: the peer is this party");
}

inline void not_ready(const char* who) {
  throw error(errc::protocol_violation, std::string(who) + ": used before setup()");
}

inline void check_sizes(const char* who, std::size_t a, std::size_t b) {
  if (a != b)
    throw error(errc::size_mismatch, std::string(who) + ": " + std::to_string(a) + " and " + std::to_string(b) +
                                         " elements");
}

/// Rows [first, first + 8 * rb) of a message whose first `out.size()` rows are wanted: straight
/// into `out` unless they run past it; rows past it go to `tail` (row out.size() + k at
/// tail[k]) if `tail` is not empty, else nowhere.
inline void transpose_slab(const std::uint8_t* cols, std::size_t rb, std::size_t first, std::span<Block> out,
                           std::span<Block> tail, std::vector<Block>& scratch) {
  const std::size_t rows = 8 * rb;
  const auto in = std::span<const std::uint8_t>(cols, kappa * rb);
  if (first + rows <= out.size()) {
    transpose_128(in, rb, out.subspan(first, rows));
    return;
  }
  scratch.resize(rows);
  transpose_128(in, rb, scratch);
  const std::size_t wanted = out.size() > first ? out.size() - first : 0;
  std::copy_n(scratch.begin(), wanted, out.begin() + static_cast<std::ptrdiff_t>(first));
  if (!tail.empty())
    std::copy(scratch.begin() + static_cast<std::ptrdiff_t>(wanted), scratch.end(),
              tail.begin() + static_cast<std::ptrdiff_t>(first + wanted - out.size()));
  secure_wipe(scratch.data(), scratch.size() * sizeof(Block));
}

}  // namespace detail::iknp

/// INSECURE, for tests only: how a receiver deviates (OtExtensionReceiver::insecure_deviate).
/// `u` may change each message's matrix before it is sent (`rows` rows; find a bit with
/// detail::iknp::u_bit); `answer` may change the KOS answer (x, t) before it is sent.
struct InsecureReceiverDeviation {
  std::function<void(std::span<std::uint8_t> u, std::size_t rows)> u;
  std::function<void(Block& x, Block& t)> answer;
};

/// The extension sender: holds Delta; gets m0 (and m1 = H(m0 ^ Delta)) per OT.
class OtExtensionSender {
 public:
  static constexpr std::size_t base_ots = detail::iknp::kappa;

  /// Runs against `peer`, whose OtExtensionReceiver must use the same `config`.
  explicit OtExtensionSender(PartyId peer, OtConfig config = {}) : peer_(peer), config_(config) {
    detail::check_ot_config(config_);
  }
  OtExtensionSender(const OtExtensionSender&) = delete;
  OtExtensionSender& operator=(const OtExtensionSender&) = delete;
  OtExtensionSender(OtExtensionSender&&) noexcept = default;
  OtExtensionSender& operator=(OtExtensionSender&&) noexcept = default;
  ~OtExtensionSender() { secure_wipe(&delta_, sizeof delta_); }

  [[nodiscard]] PartyId peer() const noexcept { return peer_; }
  [[nodiscard]] const OtConfig& config() const noexcept { return config_; }
  [[nodiscard]] bool ready() const noexcept { return !seeds_.empty(); }
  /// OTs made so far (the next OT's hash tweak).
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

  /// The global offset; errc::protocol_violation before setup().
  [[nodiscard]] Block delta() const {
    if (!ready()) detail::iknp::not_ready("OtExtensionSender::delta");
    return delta_;
  }

  /// The 128 base OTs (as their receiver) with a uniform Delta drawn from `prg`. Once.
  template <Transport Tr>
  void setup(Party<Tr>& party, Prg& prg) {
    Block d;
    prg.fill(&d, sizeof d);
    setup(party, prg, d);
    secure_wipe(&d, sizeof d);
  }

  /// The same with a Delta the caller chose (see the security model above).
  template <Transport Tr>
  void setup(Party<Tr>& party, Prg& prg, const Block& delta) {
    if (ready()) throw error(errc::protocol_violation, "OtExtensionSender: setup() twice");
    detail::iknp::check_peer(peer_, party.id());
    detail::iknp::exchange_config(party, peer_, config_);
    std::uint64_t words[2] = {delta.lo, delta.hi};
    const BitVector s = BitVector::from_words(words, base_ots);
    secure_wipe(words, sizeof words);
    auto keys = base_ot_receive(party, peer_, prg, s);
    std::vector<Prg> seeds;
    seeds.reserve(base_ots);
    for (const auto& k : keys) seeds.push_back(detail::iknp::make_column_prg(k, config_.prg));
    secure_wipe(keys.data(), keys.size() * sizeof(Block));
    if (config_.check == OtCheck::kos) coins_.emplace(detail::iknp::make_coins(prg, config_.prg));
    seeds_ = std::move(seeds);
    delta_ = delta;
  }

  /// m0[i] random; the receiver gets m0[i] ^ (b_i ? Delta : 0).
  template <Transport Tr>
  void correlated(Party<Tr>& party, std::span<Block> m0) {
    run(party, m0, [](std::span<Block>, std::size_t, std::uint64_t) {});
  }
  template <Transport Tr>
  [[nodiscard]] std::vector<Block> correlated(Party<Tr>& party, std::size_t n) {
    std::vector<Block> m0(n);
    correlated(party, std::span<Block>(m0));
    return m0;
  }

  /// m0[i], m1[i] independent and random; the receiver gets m_{b_i}[i].
  template <Transport Tr>
  void random(Party<Tr>& party, std::span<Block> m0, std::span<Block> m1) {
    detail::iknp::check_sizes("OtExtensionSender::random", m0.size(), m1.size());
    run(party, m0, [&](std::span<Block> q, std::size_t offset, std::uint64_t tweak) {
      hash_pair(q, m1.subspan(offset, q.size()), tweak);
    });
  }

  /// The receiver gets x0[i] or x1[i] as its choice b_i says; costs 32 bytes more per OT.
  template <Transport Tr>
  void chosen(Party<Tr>& party, std::span<const Block> x0, std::span<const Block> x1) {
    detail::iknp::check_sizes("OtExtensionSender::chosen", x0.size(), x1.size());
    if (!ready()) detail::iknp::not_ready("OtExtensionSender::chosen");
    std::vector<Block> m0(std::min(x0.size(), detail::iknp::chunk_ots)), m1(m0.size());
    std::vector<std::uint8_t> y;
    for (std::size_t offset = 0; offset < x0.size(); offset += m0.size()) {
      const std::size_t m = std::min(m0.size(), x0.size() - offset);
      const auto c0 = std::span<Block>(m0).first(m), c1 = std::span<Block>(m1).first(m);
      const std::uint64_t tweak = count_;
      extend(party, c0);
      hash_pair(c0, c1, tweak);
      y.resize(32 * m);
      for (std::size_t k = 0; k < m; ++k) {
        (x0[offset + k] ^ c0[k]).to_bytes(std::span<std::uint8_t, 16>(y.data() + 16 * k, 16));
        (x1[offset + k] ^ c1[k]).to_bytes(std::span<std::uint8_t, 16>(y.data() + 16 * (m + k), 16));
      }
      party.send_bytes(peer_, y);
    }
    secure_wipe(m0.data(), m0.size() * sizeof(Block));
    secure_wipe(m1.data(), m1.size() * sizeof(Block));
  }

 private:
  // m0 <- H(i, q), m1 <- H(i, q ^ Delta), in that order since m0 may be q's storage.
  void hash_pair(std::span<Block> q, std::span<Block> m1, std::uint64_t tweak) {
    cr_hash(config_.hash, q, delta_, tweak, m1);
    cr_hash(config_.hash, q, tweak, q);
  }

  // The correlated OTs of `out` chunk by chunk; after(chunk, offset, first tweak) post-processes.
  template <Transport Tr, class After>
  void run(Party<Tr>& party, std::span<Block> out, After&& after) {
    if (!ready()) detail::iknp::not_ready("OtExtensionSender");
    for (std::size_t offset = 0; offset < out.size(); offset += detail::iknp::chunk_ots) {
      const auto chunk = out.subspan(offset, std::min(detail::iknp::chunk_ots, out.size() - offset));
      const std::uint64_t tweak = count_;
      extend(party, chunk);
      after(chunk, offset, tweak);
    }
  }

  // One u message: q^j = G(k_j^{s_j}) ^ s_j u^j, transposed into rows q_i = t_i ^ r_i Delta.
  // The message is a sequence of slabs, each 128 columns of (slab OTs / 8) bytes. With the
  // KOS check, the seed goes out as soon as u is in, and the answer is checked before
  // anything derived from this message's rows leaves.
  template <Transport Tr>
  void extend(Party<Tr>& party, std::span<Block> out) {
    using detail::iknp::kappa;
    const bool kos = config_.check == OtCheck::kos;
    const std::size_t rows = detail::iknp::rows_of(out.size(), config_.check);
    const auto u = party.receive_bytes(peer_);
    if (u.size() != 16 * rows)
      throw error(errc::malformed_message, "OtExtensionSender: a matrix of " + std::to_string(u.size()) +
                                               " bytes, expected " + std::to_string(16 * rows));
    std::array<std::uint8_t, detail::iknp::kos_seed_bytes> seed{};
    if (kos) {
      coins_->fill(seed.data(), seed.size());
      party.send_bytes(peer_, seed);
    }
    tail_.assign(kos ? rows - out.size() : 0, Block{});
    for (std::size_t first = 0; first < rows; first += detail::iknp::slab_ots) {
      const std::size_t rb = std::min(detail::iknp::slab_ots, rows - first) / 8;
      std::uint8_t* q = q_.get(kappa * rb);
      const std::uint8_t* slab = u.data() + 16 * first;
      for (std::size_t j = 0; j < kappa; ++j) {
        seeds_[j].fill(q + j * rb, rb);
        const std::uint64_t bit = ((j < 64 ? delta_.lo >> j : delta_.hi >> (j - 64)) & 1);
        detail::ot::xor_masked(q + j * rb, slab + j * rb, std::uint64_t{0} - bit, rb);
      }
      detail::iknp::transpose_slab(q, rb, first, out, tail_, scratch_);
    }
    const std::uint64_t first_ot = count_;
    count_ += out.size();
    if (kos) check(party, out, seed, first_ot);
  }

  template <Transport Tr>
  void check(Party<Tr>& party, std::span<Block> out, std::span<const std::uint8_t> seed, std::uint64_t first_ot) {
    auto chi = detail::iknp::chi_stream(seed, first_ot, config_.prg);
    const Block q = detail::iknp::check_sum(chi, out, tail_, chi_);
    secure_wipe(tail_.data(), tail_.size() * sizeof(Block));
    const auto answer = party.receive_bytes(peer_);
    const auto fail = [&](errc code, const std::string& what) {
      secure_wipe(out.data(), out.size() * sizeof(Block));
      throw error(code, what);
    };
    if (answer.size() != detail::iknp::kos_answer_bytes)
      fail(errc::malformed_message, "OtExtensionSender: a KOS answer of " + std::to_string(answer.size()) +
                                        " bytes, expected " + std::to_string(detail::iknp::kos_answer_bytes));
    const Block x = detail::ot::load_block(answer.data()), t = detail::ot::load_block(answer.data() + 16);
    const Block diff = q ^ t ^ detail::gf128::mul(x, delta_);
    if ((diff.lo | diff.hi) != 0)
      fail(errc::protocol_violation, "OtExtensionSender: the KOS consistency check failed (party " +
                                         std::to_string(peer_) + " used inconsistent choice bits)");
  }

  PartyId peer_;
  OtConfig config_;
  Block delta_{};
  std::vector<Prg> seeds_;  // G(k_j^{s_j}), j < 128
  std::optional<Prg> coins_;  // the KOS seeds
  std::uint64_t count_ = 0;
  detail::ot::SecretBytes q_;
  std::vector<Block> scratch_, tail_, chi_;
};

/// The extension receiver: chooses b_i per OT and gets one output.
class OtExtensionReceiver {
 public:
  static constexpr std::size_t base_ots = detail::iknp::kappa;

  explicit OtExtensionReceiver(PartyId peer, OtConfig config = {}) : peer_(peer), config_(config) {
    detail::check_ot_config(config_);
  }
  OtExtensionReceiver(const OtExtensionReceiver&) = delete;
  OtExtensionReceiver& operator=(const OtExtensionReceiver&) = delete;
  OtExtensionReceiver(OtExtensionReceiver&&) noexcept = default;
  OtExtensionReceiver& operator=(OtExtensionReceiver&&) noexcept = default;
  ~OtExtensionReceiver() = default;

  [[nodiscard]] PartyId peer() const noexcept { return peer_; }
  [[nodiscard]] const OtConfig& config() const noexcept { return config_; }
  [[nodiscard]] bool ready() const noexcept { return !seeds0_.empty(); }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

  /// INSECURE, for tests only: makes this receiver deviate from the protocol as `d` says.
  void insecure_deviate(InsecureReceiverDeviation d) { deviation_ = std::move(d); }

  /// The 128 base OTs (as their sender). Once.
  template <Transport Tr>
  void setup(Party<Tr>& party, Prg& prg) {
    if (ready()) throw error(errc::protocol_violation, "OtExtensionReceiver: setup() twice");
    detail::iknp::check_peer(peer_, party.id());
    detail::iknp::exchange_config(party, peer_, config_);
    auto keys = base_ot_send(party, peer_, prg, base_ots);
    std::vector<Prg> s0, s1;
    s0.reserve(base_ots), s1.reserve(base_ots);
    for (const auto& k : keys) {
      s0.push_back(detail::iknp::make_column_prg(k[0], config_.prg));
      s1.push_back(detail::iknp::make_column_prg(k[1], config_.prg));
    }
    secure_wipe(keys.data(), keys.size() * sizeof(keys[0]));
    if (config_.check == OtCheck::kos) coins_.emplace(detail::iknp::make_coins(prg, config_.prg));
    seeds0_ = std::move(s0), seeds1_ = std::move(s1);
  }

  /// out[i] = m0_i ^ (b_i ? Delta : 0) for the sender's m0 and Delta.
  template <Transport Tr>
  void correlated(Party<Tr>& party, const BitVector& choices, std::span<Block> out) {
    run(party, choices, out, [](std::span<Block>, std::size_t, std::uint64_t) {});
  }
  template <Transport Tr>
  [[nodiscard]] std::vector<Block> correlated(Party<Tr>& party, const BitVector& choices) {
    std::vector<Block> out(choices.size());
    correlated(party, choices, std::span<Block>(out));
    return out;
  }

  /// out[i] = the sender's m_{b_i}[i] of a random OT.
  template <Transport Tr>
  void random(Party<Tr>& party, const BitVector& choices, std::span<Block> out) {
    run(party, choices, out, [&](std::span<Block> t, std::size_t, std::uint64_t tweak) {
      cr_hash(config_.hash, t, tweak, t);
    });
  }

  /// out[i] = the sender's x_{b_i}[i].
  template <Transport Tr>
  void chosen(Party<Tr>& party, const BitVector& choices, std::span<Block> out) {
    run(party, choices, out, [&](std::span<Block> t, std::size_t offset, std::uint64_t tweak) {
      cr_hash(config_.hash, t, tweak, t);
      const std::size_t m = t.size();
      const auto y = party.receive_bytes(peer_);
      if (y.size() != 32 * m)
        throw error(errc::malformed_message, "OtExtensionReceiver::chosen: " + std::to_string(y.size()) +
                                                 " bytes of corrections, expected " + std::to_string(32 * m));
      const auto words = choices.words();
      for (std::size_t k = 0; k < m; ++k) {
        const std::size_t i = offset + k;
        const Block y0 = detail::ot::load_block(y.data() + 16 * k), y1 = detail::ot::load_block(y.data() + 16 * (m + k));
        t[k] ^= y0 ^ (Block::mask(((words[i / 64] >> (i % 64)) & 1) != 0) & (y0 ^ y1));
      }
    });
  }

 private:
  template <Transport Tr, class After>
  void run(Party<Tr>& party, const BitVector& choices, std::span<Block> out, After&& after) {
    if (!ready()) detail::iknp::not_ready("OtExtensionReceiver");
    detail::iknp::check_sizes("OtExtensionReceiver: choices and outputs", choices.size(), out.size());
    for (std::size_t offset = 0; offset < out.size(); offset += detail::iknp::chunk_ots) {
      const auto chunk = out.subspan(offset, std::min(detail::iknp::chunk_ots, out.size() - offset));
      const std::uint64_t tweak = count_;
      extend(party, choices, offset, chunk);
      after(chunk, offset, tweak);
    }
  }

  // Sends u^j = G(k_j^0) ^ G(k_j^1) ^ r and transposes t^j = G(k_j^0) into `out`, slab by slab;
  // with the KOS check, r ends in 256 random bits, and the answer follows the sender's seed.
  template <Transport Tr>
  void extend(Party<Tr>& party, const BitVector& choices, std::size_t offset, std::span<Block> out) {
    using detail::iknp::kappa;
    const bool kos = config_.check == OtCheck::kos;
    const std::size_t rows = detail::iknp::rows_of(out.size(), config_.check);
    const std::size_t chosen_rows = detail::iknp::padded(out.size());
    u_.resize(16 * rows);
    // offset is a multiple of the chunk size, so the chunk's choices start on a word; bits
    // past choices.size() are zero, which pads the last chunk. The KOS rows are random.
    const auto words = choices.words();
    std::uint8_t* r = r_.get(rows / 8);
    for (std::size_t w = 0; w < chosen_rows / 64; ++w) {
      const std::size_t src = offset / 64 + w;
      detail::store_le<std::uint64_t>(r + 8 * w, src < words.size() ? words[src] : 0);
    }
    if (kos) coins_->fill(r + chosen_rows / 8, (rows - chosen_rows) / 8);
    tail_.assign(kos ? rows - out.size() : 0, Block{});
    for (std::size_t first = 0; first < rows; first += detail::iknp::slab_ots) {
      const std::size_t rb = std::min(detail::iknp::slab_ots, rows - first) / 8;
      std::uint8_t* t = t_.get(kappa * rb);
      std::uint8_t* u = u_.data() + 16 * first;
      for (std::size_t j = 0; j < kappa; ++j) {
        seeds0_[j].fill(t + j * rb, rb);
        seeds1_[j].fill(u + j * rb, rb);
        detail::ot::xor2(u + j * rb, t + j * rb, r + first / 8, rb);
      }
      detail::iknp::transpose_slab(t, rb, first, out, tail_, scratch_);
    }
    if (deviation_.u) deviation_.u(u_, rows);
    party.send_bytes(peer_, u_);
    const std::uint64_t first_ot = count_;
    count_ += out.size();
    if (kos) answer(party, out, r, first_ot);
  }

  template <Transport Tr>
  void answer(Party<Tr>& party, std::span<const Block> out, const std::uint8_t* r, std::uint64_t first_ot) {
    const auto seed = party.receive_bytes(peer_);
    if (seed.size() != detail::iknp::kos_seed_bytes)
      throw error(errc::malformed_message, "OtExtensionReceiver: a KOS seed of " + std::to_string(seed.size()) +
                                               " bytes, expected " + std::to_string(detail::iknp::kos_seed_bytes));
    auto chi = detail::iknp::chi_stream(seed, first_ot, config_.prg);
    Block x;
    Block t = detail::iknp::check_sum(chi, out, tail_, chi_, r, &x);
    secure_wipe(tail_.data(), tail_.size() * sizeof(Block));
    if (deviation_.answer) deviation_.answer(x, t);
    std::array<std::uint8_t, detail::iknp::kos_answer_bytes> bytes;
    x.to_bytes(std::span<std::uint8_t, 16>(bytes.data(), 16));
    t.to_bytes(std::span<std::uint8_t, 16>(bytes.data() + 16, 16));
    party.send_bytes(peer_, bytes);
  }

  PartyId peer_;
  OtConfig config_;
  std::vector<Prg> seeds0_, seeds1_;  // G(k_j^0), G(k_j^1)
  std::optional<Prg> coins_;          // the KOS rows' choice bits
  std::uint64_t count_ = 0;
  detail::ot::SecretBytes t_, r_;
  std::vector<std::uint8_t> u_;  // sent in the clear
  std::vector<Block> scratch_, tail_, chi_;
  InsecureReceiverDeviation deviation_;
};

EDGEMPC_END_NAMESPACE
