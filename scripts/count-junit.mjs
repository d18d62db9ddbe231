// Counts the leaf test cases of a Deno JUnit report (node:test `describe` blocks appear as
// parents with their tests as steps; only leaves are tests). Prints "PASSED FAILED".
import { readFileSync } from "node:fs";

const xml = readFileSync(process.argv[2], "utf8");
const cases = [];
const re = /<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
for (const m of xml.matchAll(re)) {
  cases.push({ name: m[1], failed: /<failure|<error/.test(m[3] ?? "") });
}
const parents = new Set();
for (const c of cases) {
  const parts = c.name.split(" &gt; ");
  for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join(" &gt; "));
}
let passed = 0;
let failed = 0;
for (const c of cases) {
  if (parents.has(c.name)) continue;
  if (c.failed) failed++;
  else passed++;
}
console.log(`${passed} ${failed}`);
