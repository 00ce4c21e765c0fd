// Entry point of the CrossGuard pack: @pulumi/pulumi's run-policy-pack loads a
// JavaScript module; the pack itself is TypeScript, run by Node's type stripping.
import "./pack.ts";
