/** RFC 6570 URI templates: expansion examples from the RFC, and matching URIs back to variables. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { UriTemplate } from "../mod.ts";

const vars = {
  var: "value",
  hello: "Hello World!",
  path: "/foo/bar",
  empty: "",
  x: "1024",
  y: "768",
  list: ["red", "green", "blue"],
  half: "50%",
  encoded: "a%20b",
};

describe("UriTemplate.expand follows RFC 6570 §3.2", () => {
  const cases: [string, string][] = [
    ["{var}", "value"],
    ["{hello}", "Hello%20World%21"],
    ["{+hello}", "Hello%20World!"],
    ["{+path}/here", "/foo/bar/here"],
    ["{+half}", "50%25"],
    ["{+encoded}", "a%20b"],
    ["{#path}", "#/foo/bar"],
    ["X{.x,y}", "X.1024.768"],
    ["{/var,x}/here", "/value/1024/here"],
    ["{;x,y,empty}", ";x=1024;y=768;empty"],
    ["{?x,y,empty}", "?x=1024&y=768&empty="],
    ["?fixed=yes{&x}", "?fixed=yes&x=1024"],
    ["{var:3}", "val"],
    ["{list}", "red,green,blue"],
    ["{list*}", "red,green,blue"],
    ["{/list*}", "/red/green/blue"],
    ["{?list*}", "?list=red&list=green&list=blue"],
    ["{?undefined}", ""],
  ];
  for (const [template, expected] of cases) {
    test(`${template} → ${expected}`, () => {
      assert.equal(new UriTemplate(template).expand(vars), expected);
    });
  }
});

describe("UriTemplate.match recovers the variables of a URI", () => {
  test("simple variables between literals, percent-decoded", () => {
    const t = new UriTemplate("test://template/{id}/data");
    assert.deepEqual(t.match("test://template/123/data"), { id: "123" });
    assert.deepEqual(t.match("test://template/a%20b/data"), { id: "a b" });
    assert.equal(t.match("test://template/123/other"), undefined);
    assert.equal(t.match("test://template//data"), undefined, "an empty value does not match");
    assert.equal(t.match("test://template/1/2/data"), undefined, "a simple variable does not span /");
  });

  test("reserved expansion spans slashes", () => {
    assert.deepEqual(new UriTemplate("file:///{+path}").match("file:///a/b/c.txt"), { path: "a/b/c.txt" });
  });

  test("path segments, labels and exploded lists", () => {
    assert.deepEqual(new UriTemplate("api://v1{/kind,id}").match("api://v1/users/7"), { kind: "users", id: "7" });
    assert.deepEqual(new UriTemplate("host://x{.ext}").match("host://x.json"), { ext: "json" });
    assert.deepEqual(new UriTemplate("tags://{/list*}").match("tags:///a/b"), { list: ["a", "b"] });
  });

  test("query parameters are optional and matched in any order", () => {
    const t = new UriTemplate("search://items{?q,limit}");
    assert.deepEqual(t.match("search://items?limit=5&q=red%20car"), { q: "red car", limit: "5" });
    assert.deepEqual(t.match("search://items"), {});
    assert.deepEqual(t.match("search://items?q=x&other=1"), { q: "x" });
  });

  test("match inverts expand", () => {
    const t = new UriTemplate("users://{id}/posts{/post}{?sort}");
    const values = { id: "ada lovelace", post: "42", sort: "new" };
    assert.deepEqual(t.match(t.expand(values)), values);
  });

  test("an invalid template is a SyntaxError at registration", () => {
    assert.throws(() => new UriTemplate("test://{unclosed"), SyntaxError);
    assert.throws(() => new UriTemplate("test://{bad name}"), SyntaxError);
  });
});
