// Intents: what a person asked for, before and after translation.
import { eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { required } from "./common.ts";
import { intents } from "../schema.ts";
import type { Intent, IntentStatus, JsonObject } from "../schema.ts";

export interface RecordIntentInput {
  stack: string;
  text: string;
  source: string;
  actor: string;
  spec?: JsonObject | null;
  status?: IntentStatus;
}

export async function recordIntent(db: Db, input: RecordIntentInput): Promise<Intent> {
  const [row] = await db.insert(intents).values(input).returning();
  return required(row, "intent insert returned no row");
}

export async function updateIntent(db: Db, id: string, patch: { status?: IntentStatus; spec?: JsonObject | null }): Promise<Intent | undefined> {
  const [row] = await db.update(intents).set(patch).where(eq(intents.id, id)).returning();
  return row;
}

export async function getIntent(db: Db, id: string): Promise<Intent | undefined> {
  const [row] = await db.select().from(intents).where(eq(intents.id, id));
  return row;
}
