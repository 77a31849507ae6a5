// SPDX-License-Identifier: Apache-2.0
// TLS to an MQTT broker: tls_link(TlsOptions) makes the LinkFactory that MqttConnection
// (platform/mqtt_client.hpp), and through it MqttIngest and MqttUplink, use for mqtts:// URLs.
// Boost.Asio's SSL stream over OpenSSL (RFC 8446 TLS 1.3, RFC 5246 TLS 1.2; certificate checks
// per RFC 5280 and the host name per RFC 6125). Target edgempc::mqtt_tls (Debian: libssl-dev);
// the rest of the library never includes this header, so nothing else needs OpenSSL.
//
// What it checks: the broker's certificate must chain to `ca_file` (or, if that is empty, to
// the system's trust store, /etc/ssl/certs on Debian) and name the broker: `server_name` if set,
// else the URL's host (a DNS name against the certificate's DNS names, an IP literal against its
// IP addresses; the name is also sent as SNI). TLS 1.2 is the lowest version offered. With
// `cert_file`/`key_file` this side presents a client certificate (mosquitto's
// require_certificate); the key file must be unencrypted PEM.
//
// Threat: TLS keeps the broker link's metadata (user names, passwords, topics, who publishes
// how much) from the network and stops a network attacker impersonating the broker. It adds
// nothing to the readings' secrecy, which never depends on the broker: submissions are sealed end
// to end for each gateway (platform/submission.hpp). A broker that is itself hostile is not
// stopped by TLS (mqtt_ingest.hpp says what it can do).
//
// Failures: tls_link throws errc::invalid_argument when a file cannot be read or the key does
// not match the certificate (at configuration time, not at the first connection); a
// certificate either side rejects is errc::authentication_failed from MqttConnection, a TLS
// session cut short errc::connection_lost.
//
// Key material: OpenSSL holds the client key for the context's lifetime (shared by the
// connections the factory makes) and frees it with OPENSSL_clear_free.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <boost/asio/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "edgempc/error.hpp"
#include "edgempc/platform/mqtt_client.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform::mqtt {

/// How this side does TLS to the broker.
struct TlsOptions {
  std::filesystem::path ca_file;   ///< PEM CA certificate(s) the broker's must chain to; empty: the system's store
  std::filesystem::path cert_file; ///< PEM client certificate (chain); empty: none offered
  std::filesystem::path key_file;  ///< its unencrypted PEM private key; needed exactly with cert_file
  std::string server_name;         ///< the name the broker's certificate must carry; empty: the URL's host
};

namespace detail {

class TlsLink final : public Link {
 public:
  TlsLink(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> context, std::string server_name)
      : context_(std::move(context)), stream_(io, *context_), server_name_(std::move(server_name)) {}

  boost::asio::ip::tcp::socket& socket() noexcept override { return stream_.next_layer(); }

  void async_handshake(const std::string& host, Done done) override {
    const std::string& name = server_name_.empty() ? host : server_name_;
    boost::system::error_code ec;
    // SNI carries names only (RFC 6066 3): not for an IP literal.
    const bool is_ip = (boost::asio::ip::make_address(name, ec), !ec);
    if (!is_ip && SSL_set_tlsext_host_name(stream_.native_handle(), name.c_str()) != 1) {
      boost::asio::post(stream_.get_executor(), [done = std::move(done)] {
        done(boost::system::error_code(static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category()));
      });
      return;
    }
    stream_.set_verify_mode(boost::asio::ssl::verify_peer);
    stream_.set_verify_callback(boost::asio::ssl::host_name_verification(name));
    stream_.async_handshake(boost::asio::ssl::stream_base::client, std::move(done));
  }

  void async_read_some(boost::asio::mutable_buffer into, Transferred done) override {
    stream_.async_read_some(into, std::move(done));
  }

  void async_write(boost::asio::const_buffer bytes, Transferred done) override {
    boost::asio::async_write(stream_, bytes, std::move(done));
  }

  bool refused(const boost::system::error_code& e) const noexcept override {
    // OpenSSL's own errors (a certificate rejected, an alert from the broker), not the stream
    // merely ending early.
    return e.category() == boost::asio::error::get_ssl_category();
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // outlives stream_ (declared first)
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  std::string server_name_;
};

}  // namespace detail

/// The LinkFactory for mqtts:// with these settings (for MqttIngestOptions::tls,
/// MqttUplinkOptions::tls, or MqttConnection directly). Reads and checks the files now:
/// errc::invalid_argument if one cannot be read or the key does not fit the certificate.
[[nodiscard]] inline LinkFactory tls_link(const TlsOptions& options) {
  namespace ssl = boost::asio::ssl;
  if (options.cert_file.empty() != options.key_file.empty())
    throw error(errc::invalid_argument, "MQTT TLS: a client certificate needs its key and a key its certificate (cert_file and key_file)");
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1)
    throw error(errc::crypto_failure, "MQTT TLS: cannot require TLS 1.2 or later");
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  boost::system::error_code ec;
  const auto need = [&](const std::filesystem::path& file, const char* what) {
    if (ec) throw error(errc::invalid_argument, "MQTT TLS: " + std::string(what) + " '" + file.string() + "': " + ec.message());
  };
  if (options.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    need("(the system's)", "CA certificates");
  } else {
    context->load_verify_file(options.ca_file.string(), ec);
    need(options.ca_file, "CA file");
  }
  if (!options.cert_file.empty()) {
    context->use_certificate_chain_file(options.cert_file.string(), ec);
    need(options.cert_file, "client certificate");
    context->use_private_key_file(options.key_file.string(), ssl::context::pem, ec);
    need(options.key_file, "client key");
    if (SSL_CTX_check_private_key(context->native_handle()) != 1)
      throw error(errc::invalid_argument, "MQTT TLS: the key '" + options.key_file.string() + "' does not fit the certificate '" +
                                              options.cert_file.string() + "'");
  }
  return [context, name = options.server_name](boost::asio::io_context& io) -> std::unique_ptr<detail::Link> {
    return std::make_unique<detail::TlsLink>(io, context, name);
  };
}

}  // namespace platform::mqtt
EDGEMPC_END_NAMESPACE
