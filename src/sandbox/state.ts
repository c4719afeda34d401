import { randomBytes, randomInt } from "node:crypto";
import type { CodeRecord, ContainerRecord, MediaRecord, TokenRecord, UserRecord } from "./types.js";

/** The saved form of the sandbox (stateFile). */
export interface StateSnapshot {
  version: 1;
  seq: { user: number; container: number; media: number };
  users: UserRecord[];
  tokens: TokenRecord[];
  codes: CodeRecord[];
  containers: ContainerRecord[];
  media: MediaRecord[];
}

/**
 * All sandbox data, in memory. Ids are numeric strings in distinct ranges (users 26…, containers 1789…,
 * media 1805…). Sequences start at a random offset so that a sandbox restarted without a state file does
 * not hand out ids an application may still hold from the previous run.
 */
export class SandboxState {
  readonly users = new Map<string, UserRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly codes = new Map<string, CodeRecord>();
  readonly containers = new Map<string, ContainerRecord>();
  /** In publish order (Map keeps insertion order). */
  readonly media = new Map<string, MediaRecord>();
  private seq: StateSnapshot["seq"];

  constructor(
    private readonly onChange: (durable: boolean) => void = () => {},
    snapshot?: StateSnapshot,
  ) {
    this.seq = snapshot?.seq ?? {
      user: randomInt(1, 1e6) * 1000,
      container: randomInt(1, 1e8) * 1000,
      media: randomInt(1, 1e8) * 1000,
    };
    for (const u of snapshot?.users ?? []) this.users.set(u.id, u);
    for (const t of snapshot?.tokens ?? []) this.tokens.set(t.token, t);
    for (const c of snapshot?.codes ?? []) this.codes.set(c.code, c);
    for (const c of snapshot?.containers ?? []) this.containers.set(c.id, c);
    for (const m of snapshot?.media ?? []) this.media.set(m.id, m);
  }

  /**
   * Call after every mutation so the state file is saved; `durable` when the answer about to be sent reports
   * it (a post, a container, a user or token): it is saved before that answer, so a crash cannot lose it.
   */
  changed(durable = false): void {
    this.onChange(durable);
  }

  // User ids stay below 2^53 so clients that parse `user_id` as a JSON number (as Meta sends it) lose nothing.
  nextUserId(): string {
    this.seq.user += 1;
    return String(2_600_000_000_000_000 + this.seq.user);
  }

  nextContainerId(): string {
    this.seq.container += 1;
    return `1789${String(this.seq.container).padStart(13, "0")}`;
  }

  nextMediaId(): string {
    this.seq.media += 1;
    return `1805${String(this.seq.media).padStart(13, "0")}`;
  }

  userByName(username: string): UserRecord | undefined {
    for (const u of this.users.values()) if (u.username === username) return u;
    return undefined;
  }

  /** Top-level posts and replies of a user (carousel children and deleted posts excluded), oldest first. */
  postsOf(userId: string): MediaRecord[] {
    return [...this.media.values()].filter(
      (m) => m.userId === userId && m.parentId === undefined && m.deletedAt === undefined,
    );
  }

  /** The media `id` names, unless it was deleted (`DELETE /{id}`): what every read of a post goes through. */
  liveMedia(id: string): MediaRecord | undefined {
    const media = this.media.get(id);
    return media?.deletedAt === undefined ? media : undefined;
  }

  snapshot(): StateSnapshot {
    return {
      version: 1,
      seq: { ...this.seq },
      users: [...this.users.values()],
      tokens: [...this.tokens.values()],
      codes: [...this.codes.values()],
      containers: [...this.containers.values()],
      media: [...this.media.values()],
    };
  }
}

/** Opaque random strings in the style of Meta's tokens ("TH…") and codes ("AQ…"). */
export function randomToken(prefix: string, bytes = 48): string {
  return prefix + randomBytes(bytes).toString("base64url");
}

/** An 11-character post shortcode, as in threads.net/@user/post/{shortcode} (the sandbox serves the same path). */
export function randomShortcode(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const bytes = randomBytes(11);
  let code = "";
  for (const b of bytes) code += alphabet[b % 64];
  return code;
}
