import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pathnameOf } from "../src/http.ts";

describe("pathnameOf (request routing without a URL object)", () => {
  test("gives exactly what the URL parser gives, for plain and tricky URLs", () => {
    const urls = [
      "http://127.0.0.1:8787/mcp",
      "https://example.com/mcp?sessionId=abc#frag",
      "http://127.0.0.1/api/mcp/",
      "http://127.0.0.1",
      "http://127.0.0.1?x=1",
      "http://127.0.0.1/a/../mcp",
      "http://127.0.0.1/./mcp",
      "http://127.0.0.1/%6dcp",
      "http://127.0.0.1/m%2Fcp",
      "http://127.0.0.1\\evil/mcp",
      "http://user:pass@127.0.0.1/mcp",
      "http://127.0.0.1/mcp\t",
      "HTTP://127.0.0.1/MCP",
      "http://127.0.0.1//mcp",
      "http://127.0.0.1/mcp;x",
      "http://127.0.0.1/méta",
      "ws://127.0.0.1/mcp",
    ];
    for (const url of urls) assert.equal(pathnameOf(url), new URL(url).pathname, url);
  });

  test("undefined for what does not parse as a URL", () => {
    assert.equal(pathnameOf("not a url"), undefined);
    assert.equal(pathnameOf("http://[::1/mcp"), undefined);
    assert.equal(pathnameOf("http://127.0.0.1:99999/mcp"), undefined);
    assert.equal(pathnameOf("http://999.1.1.1/mcp"), undefined);
    assert.equal(pathnameOf("http://exa mple.com/mcp"), undefined);
  });
});
