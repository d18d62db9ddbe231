/**
 * RFC 6570 URI templates: expansion (levels 1–4) and matching a concrete URI back to its
 * variables, which is what `resources/read` needs to find the template a URI came from.
 *
 * @module
 */

/**
 * The variables of a template: a string, or a list for exploded / comma-separated values.
 *
 * @example
 * ```ts
 * import { UriTemplate, type UriVariables } from "./uri_template.ts";
 * const variables: UriVariables = { owner: "ada", path: ["src", "mod.ts"] };
 * new UriTemplate("repo://{owner}{/path*}").expand(variables); // "repo://ada/src/mod.ts"
 * ```
 */
export type UriVariables = Record<string, string | string[]>;

interface VarSpec {
  name: string;
  explode: boolean;
  prefix?: number;
}

interface Expression {
  operator: "" | "+" | "#" | "." | "/" | ";" | "?" | "&";
  vars: VarSpec[];
}

type Part = string | Expression;

/** Per-operator rules from RFC 6570 §3.2 (first char, separator, named, empty suffix, reserved allowed). */
const OPERATORS: Record<Expression["operator"], { first: string; sep: string; named: boolean; ifEmpty: string; reserved: boolean }> = {
  "": { first: "", sep: ",", named: false, ifEmpty: "", reserved: false },
  "+": { first: "", sep: ",", named: false, ifEmpty: "", reserved: true },
  "#": { first: "#", sep: ",", named: false, ifEmpty: "", reserved: true },
  ".": { first: ".", sep: ".", named: false, ifEmpty: "", reserved: false },
  "/": { first: "/", sep: "/", named: false, ifEmpty: "", reserved: false },
  ";": { first: ";", sep: ";", named: true, ifEmpty: "", reserved: false },
  "?": { first: "?", sep: "&", named: true, ifEmpty: "=", reserved: false },
  "&": { first: "&", sep: "&", named: true, ifEmpty: "=", reserved: false },
};

const VARNAME = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function encode(value: string, reserved: boolean): string {
  const encoded = encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  if (!reserved) return encoded;
  // Reserved expansion keeps reserved characters and existing pct-encodings as they are.
  return encoded
    .replace(/%(2[1346789ABCF]|3[ABDF]|40|5[BD])/gi, (m) => decodeURIComponent(m))
    .replace(/%25([0-9A-Fa-f]{2})/g, "%$1");
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parse(template: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open === -1) {
      parts.push(template.slice(i));
      break;
    }
    if (open > i) parts.push(template.slice(i, open));
    const close = template.indexOf("}", open);
    if (close === -1) throw new SyntaxError(`Unclosed expression in URI template: ${template}`);
    let body = template.slice(open + 1, close);
    let operator: Expression["operator"] = "";
    if (body !== "" && "+#./;?&".includes(body[0])) {
      operator = body[0] as Expression["operator"];
      body = body.slice(1);
    }
    const vars = body.split(",").map((spec): VarSpec => {
      const explode = spec.endsWith("*");
      const [name, prefix] = (explode ? spec.slice(0, -1) : spec).split(":");
      if (!VARNAME.test(name)) throw new SyntaxError(`Invalid variable name "${name}" in URI template: ${template}`);
      if (prefix !== undefined && !/^[1-9][0-9]{0,3}$/.test(prefix)) {
        throw new SyntaxError(`Invalid prefix length in URI template: ${template}`);
      }
      return prefix === undefined ? { name, explode } : { name, explode, prefix: Number(prefix) };
    });
    parts.push({ operator, vars });
    i = close + 1;
  }
  return parts;
}

/**
 * A parsed RFC 6570 URI template.
 *
 * @example
 * ```ts
 * import { UriTemplate } from "./uri_template.ts";
 * const template = new UriTemplate("file:///logs/{date}{?level}");
 * template.expand({ date: "2025-01-01", level: "error" }); // "file:///logs/2025-01-01?level=error"
 * template.match("file:///logs/2025-01-01?level=error"); // { date: "2025-01-01", level: "error" }
 * template.match("file:///other"); // undefined
 * ```
 */
export class UriTemplate {
  /** The template text. */
  readonly template: string;
  /** Names of every variable, in order of appearance. */
  readonly variableNames: readonly string[];
  readonly #parts: Part[];
  readonly #pattern: RegExp;
  readonly #captures: { expression: Expression; query: boolean }[] = [];

  /** Parses `template`; throws `SyntaxError` when it is not a valid RFC 6570 template. */
  constructor(template: string) {
    this.template = template;
    this.#parts = parse(template);
    this.variableNames = this.#parts.flatMap((p) => typeof p === "string" ? [] : p.vars.map((v) => v.name));
    let source = "^";
    for (const part of this.#parts) {
      if (typeof part === "string") {
        source += escapeRegExp(part);
        continue;
      }
      const rules = OPERATORS[part.operator];
      // Query-style expressions are optional as a whole and matched loosely (any order).
      const query = part.operator === "?" || part.operator === "&";
      if (query) {
        source += `(?:${escapeRegExp(rules.first)}([^#]*))?`;
      } else {
        // Unreserved expansions cannot span a "/" or "?"; reserved ones may contain anything
        // but the characters that would start a later query or fragment.
        // A path-segment expression with several values spans that many segments.
        const segments = part.operator === "/" && (part.vars.length > 1 || part.vars.some((v) => v.explode));
        const body = rules.reserved ? (part.operator === "#" ? ".*" : "[^?#]*") : segments ? "[^/?#]*(?:/[^/?#]*)*" : "[^/?#]*";
        source += rules.first === "" ? `(${body})` : `(?:${escapeRegExp(rules.first)}(${body}))?`;
      }
      this.#captures.push({ expression: part, query });
    }
    this.#pattern = new RegExp(source + "$");
  }

  /**
   * Expands the template with `variables` (RFC 6570 §3).
   *
   * @example
   * ```ts
   * import { UriTemplate } from "./uri_template.ts";
   * new UriTemplate("test://items/{id}").expand({ id: "a b" }); // "test://items/a%20b"
   * ```
   */
  expand(variables: UriVariables): string {
    let out = "";
    for (const part of this.#parts) {
      if (typeof part === "string") {
        out += part;
        continue;
      }
      const rules = OPERATORS[part.operator];
      const pieces: string[] = [];
      for (const spec of part.vars) {
        const value = variables[spec.name];
        if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
        if (typeof value === "string") {
          const text = encode(spec.prefix ? [...value].slice(0, spec.prefix).join("") : value, rules.reserved);
          pieces.push(rules.named ? (text === "" ? spec.name + rules.ifEmpty : `${spec.name}=${text}`) : text);
        } else if (spec.explode) {
          for (const item of value) {
            const text = encode(item, rules.reserved);
            pieces.push(rules.named ? (text === "" ? spec.name + rules.ifEmpty : `${spec.name}=${text}`) : text);
          }
        } else {
          const text = value.map((v) => encode(v, rules.reserved)).join(",");
          pieces.push(rules.named ? `${spec.name}=${text}` : text);
        }
      }
      if (pieces.length > 0) out += rules.first + pieces.join(rules.sep);
    }
    return out;
  }

  /**
   * Matches a concrete URI against the template; returns its variables, or `undefined` when
   * the URI does not fit. Values are percent-decoded; exploded or comma lists become arrays.
   *
   * @example
   * ```ts
   * import { UriTemplate } from "./uri_template.ts";
   * new UriTemplate("test://template/{id}/data").match("test://template/123/data"); // { id: "123" }
   * ```
   */
  match(uri: string): UriVariables | undefined {
    const found = this.#pattern.exec(uri);
    if (!found) return undefined;
    const variables: UriVariables = {};
    for (let i = 0; i < this.#captures.length; i++) {
      const raw = found[i + 1];
      if (raw === undefined) continue;
      const { expression, query } = this.#captures[i];
      const rules = OPERATORS[expression.operator];
      if (query || rules.named) {
        const wanted = new Map(expression.vars.map((v) => [v.name, v]));
        for (const pair of raw.split(rules.sep)) {
          if (pair === "") continue;
          const eq = pair.indexOf("=");
          const name = decode(eq === -1 ? pair : pair.slice(0, eq));
          const spec = wanted.get(name);
          if (!spec) continue;
          const value = eq === -1 ? "" : pair.slice(eq + 1);
          const values = spec.explode ? [decode(value)] : value.split(",").map(decode);
          const previous = variables[name];
          if (previous === undefined) variables[name] = spec.explode ? values : values.length === 1 ? values[0] : values;
          else variables[name] = [...(Array.isArray(previous) ? previous : [previous]), ...values];
        }
        continue;
      }
      if (expression.vars.length === 1) {
        const spec = expression.vars[0];
        if (spec.explode) variables[spec.name] = raw.split(rules.sep).map(decode);
        else if (raw.includes(",") && !rules.reserved) variables[spec.name] = raw.split(",").map(decode);
        else variables[spec.name] = decode(raw);
        continue;
      }
      // Several variables in one expression ({x,y}): split on the separator, in order.
      const values = raw.split(rules.sep);
      expression.vars.forEach((spec, index) => {
        if (index < values.length) variables[spec.name] = decode(values[index]);
      });
    }
    // A template with no query expression must consume every variable-free character exactly;
    // empty simple captures mean the URI had nothing there, which is not a match.
    for (let i = 0; i < this.#captures.length; i++) {
      const { expression, query } = this.#captures[i];
      if (!query && OPERATORS[expression.operator].first === "" && found[i + 1] === "") return undefined;
    }
    return variables;
  }
}
