// pop3ws fetch --maildir DIR [--only-new] [--delete]
//
// Safety order for every message (so an interrupted run, run again, neither
// loses nor duplicates mail), in groups of up to kBatch messages:
//   1. RETR into DIR/tmp; fsync the file, rename it into DIR/new;
//   2. fsync DIR/new;
//   3. append their UIDs to the state file and fsync it;
//   4. only then DELE them; the server deletes at QUIT (RFC 1939 §6).
// Steps 1 (fsync, rename) to 3 run on the Committer's thread while the next
// messages download; the DELEs go out once the last group is committed, just
// before QUIT (they take effect only at QUIT anyway). A crash between 2 and 3
// is repaired at the next start from the tags in the Maildir file names.
// RETRs are all queued at once; the codec keeps at most its pipeline window
// in flight (RFC 2449 §6.6), or one without PIPELINING.
#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "committer.hpp"
#include "exit_codes.hpp"
#include "login.hpp"
#include "maildir.hpp"
#include "uidl_state.hpp"

namespace pop3ws::cli {

namespace {

// Messages committed together: one fsync of new/ and of the state file per
// group, and the message files' fsyncs share a journal commit (maildir.hpp).
constexpr std::size_t kBatch = 64;

struct Message {
  std::uint32_t number = 0;
  std::string uid;  // empty without UIDL
};

// UIDL (RFC 1939 §7), or STAT's count when the server has no UIDL.
std::vector<Message> scan_mailbox(Driver& d, bool need_uidl) {
  Session& s = d.session();
  std::vector<Message> messages;
  if (auto st = s.uidl(); !st) throw_refusal(st.error(), "UIDL");
  bool have_uidl = true;
  d.run([&](Event& ev) {
    if (auto* u = std::get_if<UidlItem>(&ev)) messages.push_back({u->message, u->uid});
    if (auto* r = std::get_if<Reply>(&ev); r && r->command == Command::Uidl && !r->ok) {
      have_uidl = false;
      return true;
    }
    auto* e = std::get_if<MultilineEnd>(&ev);
    return e && e->command == Command::Uidl;
  });
  if (have_uidl) return messages;
  if (need_uidl)
    throw CliError(Exit::ServerError, "the server does not support UIDL, which --only-new and --delete need");
  if (auto st = s.stat(); !st) throw_refusal(st.error(), "STAT");
  d.run([&](Event& ev) {
    auto* r = std::get_if<Reply>(&ev);
    if (!r || r->command != Command::Stat) return false;
    if (!r->ok) throw CliError(Exit::ServerError, "STAT failed: " + r->text);
    const auto count = std::get<MailboxStat>(r->detail).count;
    for (std::uint32_t n = 1; n <= count; ++n) messages.push_back({n, {}});
    return true;
  });
  return messages;
}

}  // namespace

int run_fetch(const Options& o, const FetchOptions& f) {
  const auto started = std::chrono::steady_clock::now();
  // Local problems first: no point logging in to a mailbox we cannot write.
  Maildir maildir(f.maildir);
  UidlState state(maildir.root(), o.user, o.host, o.port);

  auto c = connect_and_login(o);
  Driver& d = *c->driver;
  Session& s = c->session;
  const bool skip_known = f.only_new || f.delete_after;
  const std::vector<Message> messages = scan_mailbox(d, skip_known);

  // Repair after a crash between rename and state update (see the top).
  std::unordered_map<std::uint32_t, std::string> tag_of;
  std::unordered_set<std::string> our_tags;
  for (const auto& m : messages) {
    if (m.uid.empty()) continue;
    tag_of[m.number] = state.tag(m.uid);
    our_tags.insert(tag_of[m.number]);
  }
  const auto present = maildir.delivered_tags();
  {
    std::vector<std::string> recovered;
    for (const auto& m : messages)
      if (!m.uid.empty() && !state.contains(m.uid) && present.count(tag_of[m.number])) recovered.push_back(m.uid);
    if (!recovered.empty()) {
      maildir.sync_new();  // the interrupted run may have died before its fsync
      state.add(recovered);
      std::fprintf(stderr, "pop3ws: %zu message(s) from an interrupted run were already in the Maildir\n",
                   recovered.size());
    }
    maildir.remove_partial(our_tags);
  }

  std::unordered_map<std::uint32_t, const Message*> by_number;
  std::size_t skipped = 0, to_fetch = 0, dele_pending = 0;
  for (const auto& m : messages) {
    by_number[m.number] = &m;
    // Skipped: what is in the Maildir now (so a rerun after an interruption
    // duplicates nothing), and with --only-new/--delete whatever was fetched
    // before, even if it has since been removed from the Maildir. Without a
    // UIDL nothing can be recognised.
    const bool known = !m.uid.empty() && state.contains(m.uid);
    if (known && (skip_known || present.count(tag_of[m.number]))) {
      ++skipped;
      // Already safe in the Maildir (this or an earlier run): just delete.
      if (f.delete_after) {
        if (auto st = s.dele(m.number); !st) throw_refusal(st.error(), "DELE");
        ++dele_pending;
      }
      continue;
    }
    if (auto st = s.retr(m.number); !st) throw_refusal(st.error(), "RETR");
    ++to_fetch;
  }

  std::size_t fetched = 0, deleted = 0, failures = 0;
  std::uint64_t bytes = 0;
  std::string first_failure;
  auto note_failure = [&](const Reply& r) {
    ++failures;
    if (first_failure.empty())
      first_failure = std::string(command_name(r.command)) + " " + std::to_string(r.message) + ": " + r.text;
  };

  std::size_t remaining = to_fetch;
  if (remaining + dele_pending > 0) {
    Committer committer(maildir, state);
    Committer::Group group;  // downloaded, waiting to be handed over
    bool all_committed = remaining == 0;
    auto queue_deletions = [&]() {
      all_committed = true;
      const auto committed = committer.wait();
      if (!f.delete_after) return;
      for (const auto n : committed) {
        if (auto st = s.dele(n); !st) throw_refusal(st.error(), "DELE");
        ++dele_pending;
      }
    };
    d.run([&](Event& ev) {
      committer.check();
      if (auto* chunk = std::get_if<BodyChunk>(&ev)) {
        maildir.write(chunk->data);
        bytes += chunk->data.size();
      } else if (auto* r = std::get_if<Reply>(&ev)) {
        if (r->command == Command::Retr) {
          if (r->ok) {
            const auto it = tag_of.find(r->message);
            maildir.begin(it != tag_of.end() ? it->second : std::string());
          } else {
            note_failure(*r);
            --remaining;
          }
        } else if (r->command == Command::Dele) {
          --dele_pending;
          if (r->ok) ++deleted;
          else note_failure(*r);
        }
      } else if (auto* e = std::get_if<MultilineEnd>(&ev); e && e->command == Command::Retr) {
        group.files.push_back(maildir.finish());
        group.messages.push_back(e->message);
        if (const auto& uid = by_number[e->message]->uid; !uid.empty()) group.uids.push_back(uid);
        ++fetched;
        --remaining;
        if (group.files.size() >= kBatch) committer.submit(std::exchange(group, {}));
      }
      // However the last RETR ended: commit the rest, then delete.
      if (remaining == 0 && !all_committed) {
        committer.submit(std::exchange(group, {}));
        queue_deletions();
      }
      return all_committed && dele_pending == 0;
    });
  }
  quit(d, deleted);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "pop3ws: fetched %zu message(s), %llu bytes in %.2f s", fetched,
               static_cast<unsigned long long>(bytes), seconds);
  std::fprintf(stderr, "; %zu already fetched", skipped);
  if (f.delete_after) std::fprintf(stderr, "; %zu deleted at QUIT", deleted);
  std::fprintf(stderr, "\n");
  if (failures > 0)
    throw CliError(Exit::ServerError, std::to_string(failures) + " command(s) refused by the server, first: " +
                                          first_failure + " (run fetch again to retry)");
  return 0;
}

}  // namespace pop3ws::cli
