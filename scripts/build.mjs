// Builds what npm ships: tsc emits dist/ (.js + .d.ts, relative imports rewritten to .js), then
// the .d.ts files' relative ".ts" specifiers (tsc keeps them) are rewritten to ".js" so that
// every resolver (tsc, Deno's npm support, bundlers) finds the declarations. Run by
// `npm run build` and `prepack`.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: ["ignore", 2, 2] });

const relativeTs = /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\.ts\2/g;
let rewritten = 0;
for (const entry of readdirSync(join(root, "dist"), { recursive: true })) {
  const file = join(root, "dist", String(entry));
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(file, "utf8");
  const next = text.replace(relativeTs, (_m, lead, quote, path) => `${lead}${quote}${path}.js${quote}`);
  if (next !== text) {
    writeFileSync(file, next);
    rewritten++;
  }
}
// stderr: `npm pack --json` reads stdout.
console.error(`dist/ built (${rewritten} declaration files rewritten to .js specifiers)`);
