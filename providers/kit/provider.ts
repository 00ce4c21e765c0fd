// The stored part of every bosun dynamic provider, kept tiny on purpose.
// Pulumi's Node.js dynamic-provider host loads a resource's `__provider` input
// as a CommonJS module (require-from-string) and calls its `handler()` for the
// provider object. `pulumi.dynamic.Resource` fills `__provider` with a
// serialized closure (2.2 KB for ours, an absolute path inside); the text is
// stored twice per resource (inputs and outputs) and the file backend rewrites
// the whole state twice per step, so every byte here costs O(resources) per
// step. DynamicResource stores a one-line handler instead: it holds the
// implementation's path relative to the checkout, finds the checkout from the
// provider process's folder (the program's, see scripts/toolchain's plugin
// shim) at run time, so state moves with the checkout, and forwards each
// engine call to the `*-impl.ts` module (see impl.ts).
//
// State written before this change holds the old closure, which imports the
// implementation by absolute path: the engine uses it only for refresh and for
// deleting resources the program no longer declares, so implementation files
// keep their paths.
import * as pulumi from "@pulumi/pulumi";
import { posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "./places.ts";

/** An implementation module's path relative to the checkout's root (posix separators), from a path next to the calling file. */
export function implPath(file: string, base: string): string {
  const rel = relative(REPO_ROOT, fileURLToPath(new URL(file, base)))
    .split(sep)
    .join(posix.sep);
  if (rel.startsWith("../") || posix.isAbsolute(rel)) throw new Error(`implementation ${file} is outside the checkout ${REPO_ROOT}`);
  return rel;
}

/** What DynamicResource stores as `__provider`: the handler module's text. */
export interface DynamicProvider {
  /** The implementation module, relative to the checkout's root. */
  readonly implPath: string;
  /** The CommonJS text the dynamic-provider host loads (stored in every resource's state). */
  readonly text: string;
}

/**
 * The handler text for one implementation module, which must satisfy
 * `ResourceImpl` (see impl.ts): configure, check, diff, create, read, update, remove.
 * The checkout is the first folder up from the provider process's working folder
 * that holds the module, else $BOSUN_ROOT. One line: its bytes are stored per resource.
 */
export function handlerText(implPath: string): string {
  return [
    `exports.handler=()=>{const f=${JSON.stringify(implPath)},{existsSync:e}=require("fs"),{dirname:u,join:j}=require("path");`,
    `let d=process.cwd();while(!e(j(d,f))&&u(d)!==d)d=u(d);`,
    `const p=e(j(d,f))?j(d,f):j(process.env.BOSUN_ROOT||d,f);let m;`,
    `const c=(k,a)=>(m??=import(p)).then((x)=>x[k](...a));`,
    `return{configure:(r)=>c("configure",[r.config]).then(()=>{}),check:(...a)=>c("check",a),diff:(...a)=>c("diff",a),`,
    `create:(...a)=>c("create",a),read:(...a)=>c("read",a),update:(...a)=>c("update",a),delete:(...a)=>c("remove",a)}}`,
  ].join("");
}

/** The provider for one implementation module (a path from implPath()). */
export function dynamicProvider(implPath: string): DynamicProvider {
  return { implPath, text: handlerText(implPath) };
}

/**
 * `pulumi.dynamic.Resource` with the tiny handler as its provider: same type
 * token (`pulumi-nodejs:dynamic/<module>:<type>`), same host, same `__provider`
 * input; only the stored text differs.
 */
export class DynamicResource extends pulumi.CustomResource {
  constructor(provider: DynamicProvider, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions, module?: string, type = "Resource") {
    if ("__provider" in props) throw new Error("A dynamic resource must not define the __provider key");
    super(`pulumi-nodejs:dynamic${module ? `/${module}` : ""}:${type}`, name, { ...props, __provider: provider.text }, opts);
  }
}
