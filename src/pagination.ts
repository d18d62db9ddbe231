/**
 * Cursor pagination for the `*\/list` methods: opaque cursors that encode an offset.
 *
 * @module
 */
import { ErrorCode, McpError } from "./jsonrpc.ts";

const PREFIX = "tether:";

function encodeCursor(offset: number): string {
  return btoa(PREFIX + offset);
}

function decodeCursor(cursor: unknown): number {
  if (cursor === undefined) return 0;
  if (typeof cursor === "string") {
    try {
      const text = atob(cursor);
      if (text.startsWith(PREFIX)) {
        const offset = Number(text.slice(PREFIX.length));
        if (Number.isSafeInteger(offset) && offset >= 0) return offset;
      }
    } catch {
      // Falls through to the error below.
    }
  }
  // The spec: an invalid cursor is an invalid-params error.
  throw new McpError(ErrorCode.InvalidParams, `Invalid cursor: ${JSON.stringify(cursor)}`);
}

/**
 * Returns one page of `items` starting at the offset the cursor names, and the cursor of the
 * next page when there is one. Throws {@link McpError} `-32602` for a cursor it did not make.
 *
 * @example
 * ```ts
 * import { paginate } from "./pagination.ts";
 * const first = paginate(["a", "b", "c"], undefined, 2); // { page: ["a", "b"], nextCursor: "…" }
 * paginate(["a", "b", "c"], first.nextCursor, 2); // { page: ["c"] }
 * ```
 */
export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number): { page: T[]; nextCursor?: string } {
  const offset = decodeCursor(cursor);
  const end = offset + Math.max(1, pageSize);
  const page = items.slice(offset, end);
  return end < items.length ? { page, nextCursor: encodeCursor(end) } : { page };
}
