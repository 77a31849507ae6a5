// SPDX-License-Identifier: Apache-2.0
// BidirectionalOt: an OT extension in each direction between two parties, set up in an order
// both agree on, for protocols in which each party is sender and receiver (OT-based triples).
//
// Two parties that each called sender.setup() first would both wait for the other's base-OT
// message; here the party with the lower id sets up its receiver first and the other its
// sender, so the first base-OT run is lower-id receiver with higher-id sender.
#pragma once

#include "edgempc/ot/iknp.hpp"

EDGEMPC_BEGIN_NAMESPACE

class BidirectionalOt {
 public:
  explicit BidirectionalOt(PartyId peer, OtConfig config = {}) : sender_(peer, config), receiver_(peer, config) {}

  [[nodiscard]] PartyId peer() const noexcept { return sender_.peer(); }
  [[nodiscard]] bool ready() const noexcept { return sender_.ready() && receiver_.ready(); }

  /// Both extensions' base OTs (256 in all); Delta of this party's sender is drawn from `prg`.
  template <Transport Tr>
  void setup(Party<Tr>& party, Prg& prg) {
    if (party.id() < peer()) {
      receiver_.setup(party, prg);
      sender_.setup(party, prg);
    } else {
      sender_.setup(party, prg);
      receiver_.setup(party, prg);
    }
  }

  [[nodiscard]] OtExtensionSender& sender() noexcept { return sender_; }
  [[nodiscard]] OtExtensionReceiver& receiver() noexcept { return receiver_; }

 private:
  OtExtensionSender sender_;
  OtExtensionReceiver receiver_;
};

EDGEMPC_END_NAMESPACE
