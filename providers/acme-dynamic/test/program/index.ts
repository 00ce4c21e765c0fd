// Test fixture program: declares bosun's ACME resources from config key
// `case` (JSON), so engine tests can create, renew, replace and delete them
// through `pulumi up` without the spec layer in between.
import * as pulumi from "@pulumi/pulumi";
import { AcmeAccount, AcmeCertificate } from "../../resources/index.ts";
import type { Case } from "./case.ts";

const spec = new pulumi.Config().requireObject<Case>("case");

const accounts: Record<string, AcmeAccount> = {};
for (const [name, args] of Object.entries(spec.accounts ?? {})) accounts[name] = new AcmeAccount(name, args as never);

const certificates: Record<string, AcmeCertificate> = {};
for (const [name, { account, ...args }] of Object.entries(spec.certificates ?? {})) {
  const acct = accounts[account];
  if (!acct) throw new pulumi.RunError(`case: certificate ${name} names unknown account ${account}`);
  certificates[name] = new AcmeCertificate(name, { ...args, account: acct } as never);
}

export const accountUrls = pulumi.all(Object.fromEntries(Object.entries(accounts).map(([k, a]) => [k, a.accountUrl])));
export const certs = pulumi.all(
  Object.fromEntries(
    Object.entries(certificates).map(([k, c]) => [
      k,
      pulumi
        .all([c.serial, c.notAfter, c.renewalDue, c.fullChainPem, c.names])
        .apply(([serial, notAfter, renewalDue, fullChainPem, names]) => ({ serial, notAfter, renewalDue, fullChainPem, names })),
    ]),
  ),
);
/** Secret: the tests read it with the stack's outputs to run a TLS server. */
export const keys = pulumi.secret(pulumi.all(Object.fromEntries(Object.entries(certificates).map(([k, c]) => [k, c.privateKeyPem]))));
