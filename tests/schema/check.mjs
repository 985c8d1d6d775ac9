// Checks librechat.yaml files with LibreChat's own schema: the file is loaded as LibreChat
// loads it (js-yaml) and parsed with `configSchema` from librechat-data-provider.
//
// zod drops keys it does not know without a word, so a parse that succeeds is not enough:
// the parsed endpoints.bedrock must also equal the one in the file, or some key we wrote
// would be silently ignored by LibreChat.
//
// usage: node check.mjs [--config-version X] FILE...
// Exit 0 when every file passes; 1 with each problem on stderr otherwise.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { configSchema, Constants } from "librechat-data-provider";

const args = process.argv.slice(2);
let failures = 0;
const fail = (file, message) => {
  failures += 1;
  console.error(`${file}: ${message}`);
};

const versionFlag = args.indexOf("--config-version");
if (versionFlag !== -1) {
  const expected = args[versionFlag + 1];
  args.splice(versionFlag, 2);
  if (Constants.CONFIG_VERSION !== expected) {
    fail("librechat-data-provider", `CONFIG_VERSION is ${Constants.CONFIG_VERSION}, the generator writes ${expected}`);
  }
}

const sorted = (v) => {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  }
  return v;
};

for (const file of args) {
  let doc;
  try {
    doc = yaml.load(readFileSync(file, "utf8"));
  } catch (e) {
    fail(file, `does not load as YAML: ${e.message}`);
    continue;
  }
  const result = configSchema.safeParse(doc);
  if (!result.success) {
    for (const issue of result.error.issues) {
      fail(file, `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }
    continue;
  }
  const written = doc?.endpoints?.bedrock;
  const parsed = result.data?.endpoints?.bedrock;
  if (written === undefined) {
    fail(file, "has no endpoints.bedrock");
  } else if (JSON.stringify(sorted(written)) !== JSON.stringify(sorted(parsed))) {
    fail(
      file,
      `LibreChat's schema changes endpoints.bedrock: written ${JSON.stringify(sorted(written))}, parsed ${JSON.stringify(sorted(parsed))}`,
    );
  } else {
    console.log(`${file}: ok`);
  }
}
process.exit(failures === 0 ? 0 : 1);
