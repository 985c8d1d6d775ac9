// Prints the keys of LibreChat's `endpoints.bedrock` schema (`bedrockEndpointSchema` of the
// installed librechat-data-provider) as JSON, each with its type as zod states it, so that a
// Rust test can compare them with the spec's table of keys.
//
// usage: node keys.mjs
// Output: [{"key": "streamRate", "type": "number", "checks": ["min:0:inclusive"]}, ...]
import { bedrockEndpointSchema } from "librechat-data-provider";

const describe = (schema) => {
  let s = schema;
  while (s?._def?.innerType) s = s._def.innerType; // ZodOptional, ZodDefault
  const name = s?._def?.typeName ?? "unknown";
  const out = { type: name.replace(/^Zod/, "").toLowerCase() };
  if (name === "ZodNumber") {
    out.checks = (s._def.checks ?? []).map((c) =>
      c.kind === "int" ? "int" : `${c.kind}:${c.value}:${c.inclusive ? "inclusive" : "exclusive"}`,
    );
  }
  if (name === "ZodUnion" && s._def.options.every((o) => o._def.typeName === "ZodLiteral")) {
    out.type = "literals";
    out.values = s._def.options.map((o) => o._def.value);
  }
  if (name === "ZodEnum") {
    out.type = "literals";
    out.values = s._def.values;
  }
  return out;
};

const shape = bedrockEndpointSchema.shape;
console.log(JSON.stringify(Object.keys(shape).map((key) => ({ key, ...describe(shape[key]) }))));
