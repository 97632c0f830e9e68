#include "server/access.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "util/ascii.hpp"
#include "util/calendar.hpp"
#include "util/text.hpp"

namespace gebieden::server {

namespace fs = std::filesystem;
using nlohmann::json;
using Digest = std::array<unsigned char, 32>;

struct KeyRing::Entry {
  std::string name;
  Role role = Role::Reader;
  Digest hash{};
};

struct KeyRing::Snapshot {
  std::vector<Entry> entries;
};

namespace {

// ---- hashing and random keys ---------------------------------------------------------------

Digest sha256(std::string_view data) {
  Digest d{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != d.size())
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  return d;
}

std::string to_hex(const Digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (unsigned char b : d) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::optional<Digest> from_hex(std::string_view s) {
  if (s.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) {
    const int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return d;
}

/// base64url without padding (RFC 4648 §5).
std::string base64url(const unsigned char* data, std::size_t n) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  if (n - i == 1) {
    const unsigned v = data[i] << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
  } else if (n - i == 2) {
    const unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
  }
  return out;
}

std::string new_key() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw key_file_error("OpenSSL's random generator failed: no key was made");
  std::string key = "gbk_" + base64url(bytes.data(), bytes.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return util::format_iso_datetime(static_cast<std::int64_t>(s) * 1000, false);
}

// ---- the key file -------------------------------------------------------------------------

struct StoredKey {
  std::string name;
  Role role = Role::Reader;
  Digest hash{};
  std::string created;
};

std::string errno_text(int err) {
  return std::strerror(err);
}

/// An open file descriptor, closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  /// Close now and report the error of close(2) (a write error may only show there).
  int close() {
    const int rc = ::close(m_fd);
    m_fd = -1;
    return rc;
  }

 private:
  int m_fd;
};

/// The file's bytes, or nullopt when it does not exist. Throws key_file_error.
std::optional<std::string> read_text(const fs::path& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return std::nullopt;
    throw key_file_error("cannot open the key file '" + file.string() + "': " + errno_text(err));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    const int err = errno;
    if (n < 0 && err == EINTR) continue;
    if (n < 0)
      throw key_file_error("cannot read the key file '" + file.string() + "': " + errno_text(err));
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (16u << 20))
      throw key_file_error("the key file '" + file.string() + "' is larger than 16 MB");
  }
  return text;
}

/// Parse the key file's text. Messages name the entry by index and name, never its hash.
std::vector<StoredKey> parse_keys(const std::string& text, const fs::path& file) {
  const std::string where = "the key file '" + file.string() + "'";
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw key_file_error(where + " is not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw key_file_error(where + " must be a JSON object with \"keys\"");
  for (const auto& [member, value] : j.items())
    if (member != "keys" && member != "comment")
      throw key_file_error(where + ": unknown member '" + member + "'");
  std::vector<StoredKey> out;
  if (!j.contains("keys")) return out;
  const json& arr = j.at("keys");
  if (!arr.is_array()) throw key_file_error(where + ": \"keys\" must be an array");
  std::set<std::string> names;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const json& k = arr[i];
    const std::string at = where + ": keys[" + std::to_string(i) + "]";
    if (!k.is_object()) throw key_file_error(at + " must be an object");
    for (const auto& [member, value] : k.items())
      if (member != "name" && member != "role" && member != "sha256" && member != "created")
        throw key_file_error(at + ": unknown member '" + member + "'");
    auto string_member = [&](const char* m, bool required) -> std::string {
      if (!k.contains(m)) {
        if (required) throw key_file_error(at + ": \"" + m + "\" is missing");
        return {};
      }
      if (!k.at(m).is_string()) throw key_file_error(at + ": \"" + m + "\" must be a string");
      return k.at(m).get<std::string>();
    };
    StoredKey s;
    s.name = string_member("name", true);
    if (!valid_key_name(s.name))
      throw key_file_error(at + ": the name must be 1 to 64 of a-z 0-9 . _ -");
    const std::string at_name = at + " ('" + s.name + "')";
    if (!names.insert(s.name).second) throw key_file_error(at_name + ": the name is given twice");
    const auto role = parse_role(string_member("role", true));
    if (!role) throw key_file_error(at_name + ": the role must be reader, editor or admin");
    s.role = *role;
    const auto hash = from_hex(string_member("sha256", true));
    if (!hash) throw key_file_error(at_name + ": \"sha256\" must be 64 hexadecimal digits");
    s.hash = *hash;
    s.created = string_member("created", false);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<StoredKey> load_keys(const fs::path& file) {
  const auto text = read_text(file);
  if (!text) return {};
  return parse_keys(*text, file);
}

std::string render_keys(const std::vector<StoredKey>& keys) {
  json arr = json::array();
  for (const auto& k : keys)
    arr.push_back({{"name", k.name},
                   {"role", std::string(role_name(k.role))},
                   {"sha256", to_hex(k.hash)},
                   {"created", k.created}});
  json j = {{"comment",
             "API keys of gebieden: SHA-256 hashes of the keys only. Manage with 'gebieden keys "
             "add|revoke|list' (docs/access.md)."},
            {"keys", std::move(arr)}};
  return j.dump(2) + "\n";
}

/// Write `text` to `file` atomically: a temporary file beside it (mode 0600), flushed to disk,
/// renamed over it. The caller holds the lock.
void write_atomically(const fs::path& file, const std::string& text) {
  fs::path tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());  // a leftover of a crashed write (we hold the lock)
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    const int err = errno;
    throw key_file_error("cannot write the key file '" + file.string() + "' (creating '" +
                         tmp.string() + "'): " + errno_text(err));
  }
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmp.c_str());
    throw key_file_error("cannot write the key file '" + file.string() + "' (" + what +
                         "): " + errno_text(err));
  };
  ::fchmod(fd.get(), 0600);  // whatever the umask made of it
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail("fsync", errno);
  if (fd.close() != 0) fail("close", errno);
  if (::rename(tmp.c_str(), file.c_str()) != 0) fail("rename", errno);
  // The rename itself to disk: fsync the folder (best effort).
  Fd dir(::open(file.parent_path().empty() ? "." : file.parent_path().c_str(),
                O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
}

/// An exclusive lock on `<file>.lock` for a read-modify-write of the key file; creates the
/// folder when absent.
class FileLock {
 public:
  explicit FileLock(const fs::path& file) : m_fd(-1) {
    const fs::path folder = file.parent_path();
    if (!folder.empty()) {
      std::error_code ec;
      fs::create_directories(folder, ec);
      if (ec)
        throw key_file_error("cannot create the folder '" + folder.string() +
                             "' of the key file: " + ec.message());
    }
    fs::path lock = file;
    lock += ".lock";
    m_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0) {
      const int err = errno;
      throw key_file_error("cannot write the key file '" + file.string() + "' (its lock '" +
                           lock.string() + "'): " + errno_text(err));
    }
    while (::flock(m_fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(m_fd);
      throw key_file_error("cannot lock the key file '" + file.string() + "': " + errno_text(err));
    }
  }
  ~FileLock() { ::close(m_fd); }  // releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int m_fd;
};

std::string bearer_of(const std::string& value, const std::string& header) {
  const std::string_view v = util::trim(value);
  const auto malformed = [&]() {
    return input_error(ErrorCode::Unauthorized, header,
                       "the " + header + " header must be 'Bearer <key>'");
  };
  if (v.size() < 7 || !util::ascii_iequals(v.substr(0, 6), "bearer") || !util::is_space(v[6]))
    throw malformed();
  const std::string_view key = util::trim(v.substr(7));
  if (key.empty()) throw malformed();
  for (char c : key)
    if (util::is_space(c)) throw malformed();
  return std::string(key);
}

}  // namespace

// ---- roles --------------------------------------------------------------------------------

std::string_view role_name(Role role) {
  switch (role) {
    case Role::Reader:
      return "reader";
    case Role::Editor:
      return "editor";
    case Role::Admin:
      return "admin";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view name) {
  if (name == "reader") return Role::Reader;
  if (name == "editor") return Role::Editor;
  if (name == "admin") return Role::Admin;
  return std::nullopt;
}

bool valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

// ---- the key ring -------------------------------------------------------------------------

KeyRing::KeyRing(fs::path key_file, std::vector<std::string> env_editor_tokens,
                 KeyRingOptions options)
    : m_file(std::move(key_file)), m_options(std::move(options)) {
  for (auto& t : env_editor_tokens) {
    if (t.empty()) continue;
    m_env.push_back(Entry{m_options.env_principal, Role::Editor, sha256(t)});
    OPENSSL_cleanse(t.data(), t.size());
  }
  std::lock_guard lock(m_mutex);
  check_locked(true);
}

KeyRing::~KeyRing() = default;

void KeyRing::check_locked(bool force) const {
  const auto now = std::chrono::steady_clock::now();
  if (!force && m_snapshot && now - m_checked < m_options.recheck_interval) return;
  m_checked = now;
  if (m_file.empty()) {
    if (!m_snapshot) m_snapshot = std::make_shared<const Snapshot>();
    return;
  }
  auto complain = [&](const std::string& why) {
    if (!m_snapshot) throw key_file_error(why);
    if (!m_complained)
      std::cerr << "access: " << why << "; keeping the " << m_snapshot->entries.size()
                << " key(s) read before" << std::endl;
    m_complained = true;
  };
  Stamp stamp;
  struct stat st {};
  if (::stat(m_file.c_str(), &st) == 0) {
    stamp.exists = true;
    stamp.dev = st.st_dev;
    stamp.ino = st.st_ino;
    stamp.size = st.st_size;
    stamp.mtime_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  } else if (const int err = errno; err != ENOENT) {
    complain("cannot look at the key file '" + m_file.string() + "': " + errno_text(err));
    return;
  }
  if (m_snapshot && stamp == m_stamp) return;
  if (!stamp.exists) {
    // Removed: no keys from the file (removing it revokes them all).
    if (m_snapshot && !m_snapshot->entries.empty())
      std::cerr << "access: the key file '" << m_file.string()
                << "' was removed: its keys no longer work" << std::endl;
    m_snapshot = std::make_shared<const Snapshot>();
    m_stamp = stamp;
    m_complained = false;
    return;
  }
  try {
    auto snapshot = std::make_shared<Snapshot>();
    for (auto& k : load_keys(m_file))
      snapshot->entries.push_back(Entry{std::move(k.name), k.role, k.hash});
    m_snapshot = std::move(snapshot);
    m_stamp = stamp;
    m_complained = false;
  } catch (const key_file_error& e) {
    complain(e.what());  // m_stamp stays: tried again at the next look
  }
}

std::shared_ptr<const KeyRing::Snapshot> KeyRing::current() const {
  std::lock_guard lock(m_mutex);
  check_locked(false);
  return m_snapshot;
}

void KeyRing::reload() const {
  std::lock_guard lock(m_mutex);
  check_locked(true);
}

std::optional<Principal> KeyRing::authenticate(std::string_view presented_key) const {
  if (presented_key.empty()) return std::nullopt;
  const Digest h = sha256(presented_key);
  const auto snapshot = current();
  // Every entry is compared, in constant time, without an early exit; a key in both the file
  // and the environment gets the higher role.
  const Entry* found = nullptr;
  auto look = [&](const std::vector<Entry>& entries) {
    for (const auto& e : entries) {
      const bool same = CRYPTO_memcmp(e.hash.data(), h.data(), h.size()) == 0;
      if (same && (!found || e.role > found->role)) found = &e;
    }
  };
  look(snapshot->entries);
  look(m_env);
  if (!found) return std::nullopt;
  return Principal{found->name, found->role};
}

bool KeyRing::empty() const {
  return m_env.empty() && current()->entries.empty();
}

std::size_t KeyRing::env_tokens() const {
  return m_env.size();
}

std::size_t KeyRing::file_keys() const {
  return current()->entries.size();
}

// ---- the credential of a request ----------------------------------------------------------

std::optional<std::string> presented_credential(const Request& req) {
  if (auto it = req.headers.find("authorization"); it != req.headers.end())
    return bearer_of(it->second, "Authorization");
  if (auto it = req.headers.find("x-esri-authorization"); it != req.headers.end())
    return bearer_of(it->second, "X-Esri-Authorization");
  if (auto token = req.param("token"); token && !token->empty()) return token;
  return std::nullopt;
}

// ---- key file operations ------------------------------------------------------------------

std::string add_key(const fs::path& file, const std::string& name, Role role) {
  if (!valid_key_name(name))
    throw input_error(ErrorCode::InvalidParameter, "name",
                      "a key name is 1 to 64 of a-z 0-9 . _ - (not '" + name.substr(0, 80) + "')");
  FileLock lock(file);
  auto keys = load_keys(file);
  for (const auto& k : keys)
    if (k.name == name)
      throw input_error(ErrorCode::Conflict, "name",
                        "there is a key called '" + name + "' already (revoke it first)");
  std::string key = new_key();
  keys.push_back(StoredKey{name, role, sha256(key), now_utc()});
  write_atomically(file, render_keys(keys));
  return key;
}

bool revoke_key(const fs::path& file, const std::string& name) {
  std::error_code ec;
  if (!fs::exists(file, ec) && !ec) return false;  // no file, no key (and no folder made)
  FileLock lock(file);
  auto keys = load_keys(file);
  const auto before = keys.size();
  std::erase_if(keys, [&](const StoredKey& k) { return k.name == name; });
  if (keys.size() == before) return false;
  write_atomically(file, render_keys(keys));
  return true;
}

std::vector<KeyInfo> list_keys(const fs::path& file) {
  std::vector<KeyInfo> out;
  for (auto& k : load_keys(file)) out.push_back(KeyInfo{std::move(k.name), k.role, k.created});
  return out;
}

}  // namespace gebieden::server
