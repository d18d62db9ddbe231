/**
 * Which client capability a server→client request needs. The server must never send a request
 * the client did not declare support for; this names what is missing, if anything.
 *
 * @module
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Returns the capability (dotted path) the client lacks for `method` with `params`, or
 * `undefined` when it may be sent. Elicitation: form mode needs `elicitation` (an empty object
 * means form only, or an explicit `form`), URL mode needs `elicitation.url`. Sampling with
 * `tools` needs `sampling.tools`; with `includeContext` other than `none`, `sampling.context`.
 *
 * @example
 * ```ts
 * import { missingClientCapability } from "./client_capabilities.ts";
 * missingClientCapability("roots/list", undefined, {}); // "roots"
 * missingClientCapability("elicitation/create", { mode: "url" }, { elicitation: {} }); // "elicitation.url"
 * missingClientCapability("ping", undefined, {}); // undefined
 * ```
 */
export function missingClientCapability(
  method: string,
  params: Record<string, unknown> | undefined,
  capabilities: Record<string, unknown>,
): string | undefined {
  switch (method) {
    case "roots/list":
      return isObject(capabilities.roots) ? undefined : "roots";
    case "sampling/createMessage": {
      const sampling = capabilities.sampling;
      if (!isObject(sampling)) return "sampling";
      if (params?.tools !== undefined && !isObject(sampling.tools)) return "sampling.tools";
      const context = params?.includeContext;
      if (context !== undefined && context !== "none" && !isObject(sampling.context)) return "sampling.context";
      return undefined;
    }
    case "elicitation/create": {
      const elicitation = capabilities.elicitation;
      if (!isObject(elicitation)) return "elicitation";
      if (params?.mode === "url") return isObject(elicitation.url) ? undefined : "elicitation.url";
      // An empty object declares form mode (backwards compatibility); otherwise form must be named.
      const formOnly = Object.keys(elicitation).length === 0;
      return formOnly || isObject(elicitation.form) ? undefined : "elicitation.form";
    }
    default:
      return undefined;
  }
}
