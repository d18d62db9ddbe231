/**
 * A POST's answer carries its own content headers and the transport's headers (the session id
 * on `initialize`), whatever form the transport's headers take; where both name a header, the
 * content header is the one sent.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { answerWith, NO_HEADERS } from "../src/transports/post_exchange.ts";

const JSON_TYPE = { "content-type": "application/json" };
const SSE = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" };

function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries(response.headers);
}

describe("answerWith", () => {
  test("a response with no transport headers has exactly its content headers", async () => {
    const response = answerWith("[1]", JSON_TYPE, NO_HEADERS());
    assert.equal(response.status, 200);
    assert.deepEqual(headersOf(response), { "content-type": "application/json" });
    assert.equal(await response.text(), "[1]");
  });

  test("the transport's headers are added to the content headers, in every HeadersInit form", async () => {
    const forms: HeadersInit[] = [
      { "mcp-session-id": "abc" },
      new Headers({ "mcp-session-id": "abc" }),
      [["mcp-session-id", "abc"]],
    ];
    for (const base of forms) {
      const response = answerWith("data: 1\n\n", SSE, base);
      assert.deepEqual(headersOf(response), { ...SSE, "mcp-session-id": "abc" });
      assert.equal(await response.text(), "data: 1\n\n");
    }
  });

  test("a content header the transport also names keeps the content header's value, whatever the case", () => {
    const forms: HeadersInit[] = [
      { "Content-Type": "text/plain", "x-extra": "1" },
      new Headers({ "content-type": "text/plain", "x-extra": "1" }),
      [["CONTENT-TYPE", "text/plain"], ["x-extra", "1"]],
    ];
    for (const base of forms) {
      assert.deepEqual(headersOf(answerWith("{}", JSON_TYPE, base)), { "content-type": "application/json", "x-extra": "1" });
    }
  });

  test("an empty record of transport headers (a failed initialize) adds none", () => {
    assert.deepEqual(headersOf(answerWith("{}", JSON_TYPE, {})), { "content-type": "application/json" });
  });
});
