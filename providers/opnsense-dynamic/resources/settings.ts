// Provider behaviour chosen in stack config (not connection details), kept
// apart from connection.ts so the safety net can read it without a cycle.

/** "true": skip the lock-out guard (rules that would cut bosun off the API are applied anyway). */
export const ALLOW_LOCKOUT_ENV = "OPNSENSE_ALLOW_LOCKOUT";

export interface Settings {
  allowLockout: boolean;
}

const sources: Record<"stack" | "explicit", Partial<Settings>> = { stack: {}, explicit: {} };

/** From the provider's configure (stack) or a test/in-process caller (explicit, which wins). */
export function setSettings(source: "stack" | "explicit", settings: Partial<Settings>): void {
  sources[source] = settings;
}

export function getSettings(): Settings {
  return { allowLockout: sources.explicit.allowLockout ?? sources.stack.allowLockout ?? process.env[ALLOW_LOCKOUT_ENV] === "true" };
}
