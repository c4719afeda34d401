/** The sandbox's stand-in for Threads' authorization window: bilingual, clearly not the real Threads. */
import { escapeHtml } from "../html.js";

export interface ConsentRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
}

export function renderConsentPage(req: ConsentRequest, error?: string, username = ""): string {
  const hidden = (name: string, value: string) =>
    `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const scopes = req.scope
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => `<li><code>${escapeHtml(s)}</code></li>`)
    .join("");
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Threads sandbox — 連携の許可 / Authorize</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f4f5; margin: 0; padding: 2rem 1rem; color: #18181b; }
  main { max-width: 28rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 1px 4px #0002; }
  .badge { display: inline-block; background: #fde68a; color: #78350f; border-radius: 6px; padding: .15rem .5rem; font-weight: 600; font-size: .85rem; }
  label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
  input[type=text] { width: 100%; box-sizing: border-box; padding: .5rem; border: 1px solid #a1a1aa; border-radius: 6px; font-size: 1rem; }
  .buttons { display: flex; gap: .75rem; margin-top: 1.25rem; }
  button { flex: 1; padding: .6rem; border-radius: 8px; border: 1px solid #18181b; font-size: 1rem; cursor: pointer; }
  button[value=allow] { background: #18181b; color: #fff; }
  button[value=cancel] { background: #fff; }
  .error { color: #b91c1c; }
  .note { color: #52525b; font-size: .85rem; }
</style>
</head>
<body>
<main>
  <p><span class="badge">Threads sandbox</span></p>
  <h1>アプリとの連携を許可しますか？<br><small>Allow this app to use your Threads account?</small></h1>
  <p class="note">これは本物の Threads ではありません。投稿はサンドボックス内にだけ保存され、公開されません。<br>
  This is the Threads sandbox, not the real Threads: nothing is posted publicly.</p>
  <p>要求された権限 / Requested permissions:</p>
  <ul>${scopes}</ul>
  <form method="post" action="/oauth/authorize">
    ${hidden("client_id", req.clientId)}${hidden("redirect_uri", req.redirectUri)}${hidden("scope", req.scope)}${hidden("state", req.state)}
    <label for="username">ユーザー名 / Username</label>
    <input type="text" id="username" name="username" value="${escapeHtml(username)}" placeholder="sandbox_user" autocomplete="off">
    <p class="note">空欄なら新しいテストユーザーを作ります。既存の名前ならそのユーザーで続けます。<br>
    Leave empty to create a new test user; an existing name signs in as that user.</p>
    ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
    <div class="buttons">
      <button type="submit" name="decision" value="cancel">キャンセル / Cancel</button>
      <button type="submit" name="decision" value="allow">許可する / Allow</button>
    </div>
  </form>
</main>
</body>
</html>`;
}

export function renderErrorPage(message: string): string {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>Threads sandbox — エラー / Error</title></head>
<body style="font-family: system-ui, sans-serif; padding: 2rem">
<p><strong>Threads sandbox</strong></p>
<h1>連携できません / Cannot authorize</h1>
<p>${escapeHtml(message)}</p>
</body></html>`;
}
