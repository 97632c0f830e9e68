#pragma once
// Access: API keys with roles (issue #13, "Access"). Public reading needs no key; a key names a
// principal with a role, cumulative: admin ⊇ editor ⊇ reader. The keys live in a JSON file that
// holds only their SHA-256 hashes (`gebieden keys add|revoke|list` manages it); the tokens of
// GEBIEDEN_WRITE_TOKEN (read by the command line) are editor keys besides. See docs/access.md.

#include <sys/types.h>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.hpp"
#include "util/error.hpp"

namespace gebieden::server {

/// What a key may do. Cumulative: a higher role may do all that a lower one may.
enum class Role {
  Reader = 1,  // sees the private fields
  Editor = 2,  // also creates and replaces records
  Admin = 3,   // also deletes records and reads the history
};

/// "reader", "editor", "admin".
std::string_view role_name(Role role);
/// The role of its name (exact, lower case), or nullopt.
std::optional<Role> parse_role(std::string_view name);

/// Who presented a valid key.
struct Principal {
  std::string name;  // the key's name (recorded in the history as who wrote)
  Role role = Role::Reader;
  bool can(Role r) const { return role >= r; }
};

/// A key of the key file as `list_keys` shows it: never its hash.
struct KeyInfo {
  std::string name;
  Role role = Role::Reader;
  std::string created;  // ISO 8601 UTC, e.g. "2026-12-02T10:00:00Z"
};

/// The key file cannot be read, parsed or written (path and reason in what(); never a key or a
/// hash).
class key_file_error : public gebieden::exception {
 public:
  using exception::exception;
};

/// Is `name` a valid key name: [a-z0-9._-]{1,64}?
bool valid_key_name(std::string_view name);

/// The principal name of the tokens of GEBIEDEN_WRITE_TOKEN.
inline constexpr std::string_view env_principal_name = "GEBIEDEN_WRITE_TOKEN";

struct KeyRingOptions {
  /// The principal name of the environment's editor tokens (the variable's name).
  std::string env_principal = std::string(env_principal_name);
  /// How often at most the key file is looked at (its inode, size and mtime) for changes.
  std::chrono::milliseconds recheck_interval{1000};
};

/// The keys that may use the service beyond public reading: the key file (hashes only) and the
/// editor tokens of GEBIEDEN_WRITE_TOKEN. Thread-safe. Re-reads the key file when it changed
/// (inode, size or mtime; looked at at most once per recheck_interval), so that a revoked key
/// stops working without a restart. A key file that became unreadable or malformed keeps the
/// last good set and says so once on std::cerr; a key file that was removed holds no keys. The
/// constructor throws key_file_error when the file exists but cannot be read or parsed (there
/// is no good set to keep yet); an absent file is an empty set.
class KeyRing {
 public:
  KeyRing(std::filesystem::path key_file, std::vector<std::string> env_editor_tokens,
          KeyRingOptions options = {});
  ~KeyRing();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  /// The principal of `presented_key`, or nullopt (an empty or unknown key). Hashes the key and
  /// compares it with every entry in constant time, without an early exit.
  std::optional<Principal> authenticate(std::string_view presented_key) const;

  /// No key at all (neither in the file nor in the environment): writes are disabled.
  bool empty() const;
  /// How many keys the file holds now, and how many tokens came from the environment.
  std::size_t file_keys() const;
  std::size_t env_tokens() const;
  const std::filesystem::path& key_file() const { return m_file; }

  /// Look at the key file now, whatever the recheck interval (e.g. on SIGHUP).
  void reload() const;

 private:
  struct Entry;
  struct Snapshot;
  struct Stamp {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  std::shared_ptr<const Snapshot> current() const;
  void check_locked(bool force) const;

  std::filesystem::path m_file;
  std::vector<Entry> m_env;
  KeyRingOptions m_options;
  mutable std::mutex m_mutex;
  mutable std::shared_ptr<const Snapshot> m_snapshot;
  mutable Stamp m_stamp;
  mutable std::chrono::steady_clock::time_point m_checked;
  mutable bool m_complained = false;
};

/// The credential a request presents, or nullopt: `Authorization: Bearer <k>`, else
/// `X-Esri-Authorization: Bearer <k>`, else the `token` query parameter (what GeoServices
/// clients send; an empty one is none). A malformed Authorization (or X-Esri-Authorization)
/// header, not `Bearer` and a key, is an input_error(ErrorCode::Unauthorized) naming the header.
std::optional<std::string> presented_credential(const Request& req);

// Key file operations (for `gebieden keys`). The file is JSON:
//   {"keys":[{"name":"anna","role":"editor","sha256":"<64 hex>","created":"2026-12-02T10:00:00Z"}]}
// written atomically (a temporary file in the same folder, mode 0600, then renamed over it),
// created with its folder when absent; the operations hold an exclusive lock (`<file>.lock`)
// so that two commands at once do not lose a key. They throw key_file_error when the file
// cannot be read, parsed or written, and input_error naming "name" or "role" for bad input.

/// Add a key called `name` with `role`; returns the new key, shown once: "gbk_" and 43
/// characters of base64url (256 bits from OpenSSL's RAND_bytes). A name that exists, or one
/// that is not [a-z0-9._-]{1,64}, is an input_error (Conflict, InvalidParameter).
std::string add_key(const std::filesystem::path& file, const std::string& name, Role role);
/// Remove the key called `name`; false when there is none.
bool revoke_key(const std::filesystem::path& file, const std::string& name);
/// The keys of the file in its order (an absent file has none); never their hashes.
std::vector<KeyInfo> list_keys(const std::filesystem::path& file);

/// SHA-256 of `data`, lower-case hex (64 characters).
std::string sha256_hex(std::string_view data);

}  // namespace gebieden::server
