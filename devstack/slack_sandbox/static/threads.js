// A thread as Slack draws it under its parent: the repliers' avatars, "N replies" and
// "Last reply …". Pure functions of messages and users (no DOM), so
// tests/sandbox/test_sandbox_page_threads.py can run them in Node.

const MAX_FACES = 5; // Slack shows at most five repliers' faces

// Who wrote a message: its user, or for another bot's bot_message (no user) the bot's user.
export function authorId(m, users) {
  if (m.user) return m.user;
  if (!m.bot_id) return null;
  const owner = Object.values(users).find((u) => u.profile && u.profile.bot_id === m.bot_id);
  return owner ? owner.id : null;
}

// reply_users may hold a bot ID instead of a user ID (Slack's docs say so): map it back.
function asUserId(id, users) {
  if (users[id]) return id;
  return authorId({ bot_id: id }, users) || id;
}

export function repliers(parent, replies, users) {
  const ids = parent.reply_users && parent.reply_users.length
    ? parent.reply_users
    : replies.map((m) => authorId(m, users)).filter(Boolean);
  return [...new Set(ids.map((id) => asUserId(id, users)))];
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

export function lastReplyLabel(ts, now = new Date()) {
  const when = new Date(parseFloat(ts) * 1000);
  const time = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(when, now)) return `Last reply today at ${time}`;
  if (sameDay(when, yesterday)) return `Last reply yesterday at ${time}`;
  return `Last reply ${when.toLocaleDateString([], { month: "short", day: "numeric" })}`;
}

// null when the message has no replies; otherwise what the summary row shows.
export function threadSummary(parent, replies, users, now = new Date()) {
  if (!replies.length) return null;
  const latest = replies[replies.length - 1].ts;
  return {
    count: replies.length,
    label: `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`,
    faces: repliers(parent, replies, users).slice(0, MAX_FACES),
    lastReply: lastReplyLabel(latest, now),
  };
}

// The name Slack shows over a message: a bot's custom username, else the person's name.
export function authorName(m, users) {
  const user = users[authorId(m, users)];
  if (m.bot_id && m.username) return m.username;
  if (user) return user.real_name || user.name;
  return m.username || m.user || "unknown";
}
