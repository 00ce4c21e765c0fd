// What each `*-impl.ts` module exports, typed once. The module runs in Pulumi's
// dynamic-provider process; `dynamicProvider()` forwards every engine call to it.
// `In` is the checked input shape, `Out` the outputs stored in state.
import type * as pulumi from "@pulumi/pulumi";

/** Inputs or outputs as the engine hands them over (plain JSON). */
export type Props = Record<string, unknown>;

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult<In = Props> {
  inputs: In & Props;
  failures: CheckFailure[];
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  stables?: string[];
}

/** Where configure() reads stack config (`<namespace>:<key>`). */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/**
 * One resource type's implementation. `satisfies ResourceImpl<In, Out>` on a
 * module object (or matching named exports) keeps the shapes honest.
 */
export interface ResourceImpl<In extends object = Props, Out extends object = Props> {
  configure(config: ConfigSource): void | Promise<void>;
  check(olds: Props, news: Props): Promise<CheckResult<In>>;
  diff(id: string, olds: Props, news: Props): Promise<DiffResult>;
  create(inputs: Props): Promise<{ id: string; outs: Out }>;
  /** An empty object means the resource is gone. */
  read(id: string, props: Props): Promise<{ id?: string; props?: Out | Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: Out | Props }>;
  remove(id: string, props: Props): Promise<void>;
}

/** The engine's own shape, for code that talks to it directly. */
export type EngineProvider = pulumi.dynamic.ResourceProvider;
