// ACME account: implementation run in the provider process. The key is made
// here (node:crypto) and kept only as a secret output; registration agrees to
// the terms; read() asks the CA for the account's status; delete deactivates.
import { checkWith, diffFields, userInputs, type Props } from "../../kit/index.ts";
import { accountStatus, deactivateAccount, generateKey, registerAccount, updateContact, type KeyType } from "../client/acme.ts";
import { AcmeUnreachableError } from "../client/errors.ts";
import { accountInputs, type AccountInputs } from "./schemas.ts";

export interface AccountOutputs extends AccountInputs {
  accountUrl: string;
  /** PKCS#8 PEM; a secret output (additionalSecretOutputs). */
  accountKeyPem: string;
  /** "valid" while usable; read() reports "deactivated"/"revoked", which diff answers with a replacement. */
  status: string;
}

const FIELDS = ["directoryUrl", "directoryCaPem", "email", "termsAgreed", "keyType"] as const;
const label = (i: Partial<AccountInputs>) => `AcmeAccount ${i.email ?? "(no email)"} at ${i.directoryUrl ?? "?"}`;
const dir = (i: { directoryUrl: string; directoryCaPem?: string }) => ({ url: i.directoryUrl, caPem: i.directoryCaPem });

/** No stack config: the account key is this resource's own output. */
export function configure(): void {}

export async function check(_olds: Props, news: Props) {
  const result = checkWith(label(news as Partial<AccountInputs>), accountInputs, news);
  // Defaults also when some input is still unknown (preview), so diff compares like with like.
  result.inputs = { keyType: "ecdsa-p256", ...result.inputs };
  return result;
}

export async function diff(_id: string, olds: Props, news: Props) {
  const d = diffFields(olds, news, FIELDS, ["directoryUrl", "keyType"], false);
  // A deactivated or revoked account cannot come back: register a new one, then deactivate the old.
  if (olds.status !== undefined && olds.status !== "valid") return { changes: true, replaces: [...d.replaces, "status"], deleteBeforeReplace: false };
  return d;
}

export async function create(props: Props) {
  const i = accountInputs.parse(userInputs(props));
  const accountKeyPem = generateKey(i.keyType as KeyType);
  const reg = await registerAccount(dir(i), accountKeyPem, i.email, i.termsAgreed).catch((err: unknown) => {
    throw new Error(`${label(i)}: registration failed: ${(err as Error).message}`);
  });
  const outs: AccountOutputs = { ...i, accountUrl: reg.url, accountKeyPem, status: reg.status };
  return { id: reg.url, outs };
}

export async function read(id: string, props: Props) {
  const o = props as unknown as AccountOutputs;
  const live = await accountStatus(dir(o), { keyPem: o.accountKeyPem, url: o.accountUrl ?? id });
  // The CA no longer knows the account (a test CA restarted, an account purged): it is gone.
  if (live.status === "unknown") return {};
  const email = live.contact.find((c) => c.startsWith("mailto:"))?.slice("mailto:".length);
  return { id, props: { ...props, status: live.status, ...(live.status === "valid" ? { email } : {}) } };
}

export async function update(id: string, olds: Props, news: Props) {
  const i = accountInputs.parse(userInputs(news));
  const o = olds as unknown as AccountOutputs;
  if (i.email !== o.email) {
    await updateContact(dir(i), { keyPem: o.accountKeyPem, url: o.accountUrl ?? id }, i.email).catch((err: unknown) => {
      throw new Error(`${label(i)}: email: the CA refused the new contact: ${(err as Error).message}`);
    });
  }
  const outs: AccountOutputs = { ...i, accountUrl: o.accountUrl, accountKeyPem: o.accountKeyPem, status: o.status };
  return { outs };
}

export async function remove(id: string, props: Props) {
  const o = props as unknown as AccountOutputs;
  try {
    await deactivateAccount(dir(o), { keyPem: o.accountKeyPem, url: o.accountUrl ?? id });
  } catch (err) {
    if (err instanceof AcmeUnreachableError) {
      throw new Error(
        `${label(o)}: cannot deactivate the account: ${err.message}. Retry when the CA answers, or drop it from the state with \`pulumi state delete\` (the account stays registered at the CA).`,
        { cause: err },
      );
    }
    throw err;
  }
}
