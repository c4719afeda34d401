import { escapeHtml } from "../html.js";
import { type RunStateFilter, runStateLabel } from "../scheduler/inspect.js";
import type { StatusPageReads } from "../scheduler/status.service.js";

export interface StatusPageData extends StatusPageReads {
  threadsMode: "sandbox" | "remote" | "live";
  threadsUrl: string;
  schedulerRunning: boolean;
}

const STATE_LABEL: Record<RunStateFilter, string> = {
  planned: "予定 planned",
  running: "実行中 running",
  published: "投稿済み published",
  done: "完了 done",
  failed: "失敗 failed",
  missed: "見逃し missed",
  needs_check: "確認中 needs check",
  skipped: "スキップ skipped",
  cancelled: "キャンセル cancelled",
};

/** A plain server-rendered page: what the scheduler is doing, readable in Japanese and English. */
export function renderStatusPage(d: StatusPageData): string {
  const banner =
    d.threadsMode === "sandbox"
      ? `<p class="banner sandbox">サンドボックスモード: 投稿は内蔵のエミュレーター (${escapeHtml(d.threadsUrl)}) に送られ、Threads には公開されません。<br>Sandbox mode: posts go to the built-in emulator, not to Threads.</p>`
      : d.threadsMode === "remote"
        ? `<p class="banner remote">Threads API: ${escapeHtml(d.threadsUrl)} (THREADS_GRAPH_URL)</p>`
        : `<p class="banner live">ライブモード / Live mode: ${escapeHtml(d.threadsUrl)}</p>`;
  const accounts = d.accounts.length
    ? d.accounts
        .map(
          (a) =>
            `<tr><td>${a.id}</td><td>@${escapeHtml(a.username)}</td><td class="st-${escapeHtml(a.status)}">${escapeHtml(a.status)}${a.status_reason ? `<br><small>${escapeHtml(a.status_reason)}</small>` : ""}</td><td>${escapeHtml(a.tokenExpires)}</td></tr>`,
        )
        .join("")
    : `<tr><td colspan="4">アカウントはまだありません / No accounts yet: <code>threads-scheduler accounts add --token …</code></td></tr>`;
  const jobs = d.jobs
    .map((j) => `<tr><td><code>${escapeHtml(j.id)}</code></td><td>${escapeHtml(j.nextRun ?? "—")}</td></tr>`)
    .join("");
  const upcoming = d.upcoming.length
    ? d.upcoming
        .map(
          (r) =>
            `<tr><td>${r.id}</td><td>${escapeHtml(r.dueAt)}</td><td>${r.username ? `@${escapeHtml(r.username)}` : escapeHtml(r.job)}</td><td>${escapeHtml(r.slot)}</td><td class="st-${escapeHtml(r.state)}">${escapeHtml(STATE_LABEL[r.state] ?? r.state)}${r.reason ? `<small>${escapeHtml(r.reason)}</small>` : ""}</td></tr>`,
        )
        .join("")
    : `<tr><td colspan="5">予定された投稿はありません / Nothing planned: <code>threads-scheduler schedules add …</code></td></tr>`;
  const runs = d.runs.length
    ? d.runs
        .map(
          (r) =>
            `<tr><td>${r.id}</td><td>${escapeHtml(r.dueAt)}</td><td>${r.username ? `@${escapeHtml(r.username)}` : escapeHtml(r.job)}</td><td class="st-${escapeHtml(r.state)}">${escapeHtml(STATE_LABEL[runStateLabel(r)] ?? r.state)}</td><td>${r.permalinks.map((p) => `<a href="${escapeHtml(p)}">${escapeHtml(p)}</a>`).join("<br>")}${r.reason ? `<small>${escapeHtml(r.reason)}</small>` : ""}</td></tr>`,
        )
        .join("")
    : `<tr><td colspan="5">まだ実行はありません / Nothing has run yet.</td></tr>`;
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>threads-scheduler</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:2rem;max-width:70rem;color:#111}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
.banner{padding:.6rem 1rem;border-radius:.4rem}.sandbox{background:#fff4d6;border:1px solid #e0b000}.live{background:#e6f6ea;border:1px solid #3a3}.remote{background:#eef;border:1px solid #88c}
.st-published{color:#1a7f37}.st-failed,.st-missed,.st-reauth_required{color:#c00}.st-needs_check{color:#b60}small{color:#555;display:block}
</style></head><body>
<h1>threads-scheduler</h1>
${banner}
<p>スケジューラー / Scheduler: <strong>${d.schedulerRunning ? "稼働中 running" : "停止 not running in this process"}</strong></p>
<h2>アカウント / Accounts</h2>
<table><thead><tr><th>ID</th><th>ユーザー名 / Username</th><th>状態 / Status</th><th>トークン期限 / Token expires</th></tr></thead><tbody>${accounts}</tbody></table>
<h2>登録済みジョブ / Registered jobs</h2>
<table><thead><tr><th>ジョブ / Job</th><th>次回実行 / Next run</th></tr></thead><tbody>${jobs}</tbody></table>
<h2>次の予定 / Upcoming</h2>
<table><thead><tr><th>ID</th><th>予定時刻 / Due</th><th>アカウント / Account</th><th>枠 / Slot</th><th>状態 / State</th></tr></thead><tbody>${upcoming}</tbody></table>
<h2>最近の実行 / Recent runs</h2>
<table><thead><tr><th>ID</th><th>予定時刻 / Due</th><th>アカウント / Account</th><th>状態 / State</th><th>リンク・理由 / Links, reason</th></tr></thead><tbody>${runs}</tbody></table>
</body></html>`;
}
